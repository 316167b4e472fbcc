// What the staff console decides from a kiosk's View, as pure functions: whether the kiosk needs
// staff, the order of the kiosk list, which staff actions to offer, and how a newly arrived view
// merges with the one already shown. No I/O, no DOM: the browser tests call these directly.
import { ERRORS } from '../../machines/contract/errors.ts';
import type { StaffEvent, View } from '../../machines/contract/messages.ts';

export type StaffEventType = StaffEvent['type'];

/** One kiosk as the console knows it. */
export interface KioskEntry {
  readonly view: View;
  /** When this console first saw the view's `seq` (ms since the epoch, this browser's clock). */
  readonly changedAt: number;
  /** False once the kiosk missed a discover round and has sent nothing since. */
  readonly answering: boolean;
}

/**
 * A kiosk needs staff when the user called them (`staffAssist`) or when its error is one only
 * staff can resolve (remedy `staff`: LOCKED, 27011, a reader fault, disputed data, …).
 */
export function needsStaff(view: View): boolean {
  if (view.screen === 'staffAssist') return true;
  return view.error !== undefined && ERRORS[view.error.code].remedy === 'staff';
}

const byKioskId = new Intl.Collator('en', { numeric: true });

/** Kiosks that need staff first, then by kiosk id (kiosk-2 before kiosk-10). */
export function sortKiosks(entries: Iterable<KioskEntry>): KioskEntry[] {
  return [...entries].sort((a, b) => {
    const help = Number(needsStaff(b.view)) - Number(needsStaff(a.view));
    return help !== 0 ? help : byKioskId.compare(a.view.kioskId, b.view.kioskId);
  });
}

/** The order staff actions are offered in: the way forward first, the ways out last. */
export const STAFF_ACTION_ORDER: readonly StaffEventType[] = [
  'staff.resume',
  'staff.unlocked',
  'staff.overrideIdWarning',
  'staff.takeCard',
  'staff.abort',
];

/** Actions that end the user's session: the console asks for a confirmation first. */
export const DESTRUCTIVE_ACTIONS: ReadonlySet<StaffEventType> = new Set(['staff.abort', 'staff.takeCard']);

/** The staff actions the kiosk takes now: exactly those of `view.accepts`. */
export function staffActionsFor(view: View): StaffEventType[] {
  return STAFF_ACTION_ORDER.filter((type) => view.accepts.includes(type));
}

export interface ApplyResult {
  /** The entry to keep (the same object when nothing changed). */
  readonly entry: KioskEntry;
  /**
   * The view was older than the one shown: the engine may have restarted and begun its `seq`
   * again, so the caller should ask the kiosk for its current view.
   */
  readonly stale: boolean;
}

/**
 * Merges a view into what the console shows. A published view with a `seq` not above the one
 * shown is dropped; an authoritative one (the answer to `view.get` or `kiosk.discover`) is the
 * engine's current state and always wins. Any message at all shows the kiosk is answering.
 */
export function applyView(
  current: KioskEntry | undefined,
  view: View,
  how: { authoritative: boolean; now: number },
): ApplyResult {
  if (current === undefined) return { entry: { view, changedAt: how.now, answering: true }, stale: false };
  if (!how.authoritative && view.seq <= current.view.seq) {
    const entry = current.answering ? current : { ...current, answering: true };
    return { entry, stale: view.seq < current.view.seq };
  }
  const changed = view.seq !== current.view.seq || JSON.stringify(view) !== JSON.stringify(current.view);
  return { entry: { view, changedAt: changed ? how.now : current.changedAt, answering: true }, stale: false };
}

/** After a discover round: kiosks that answered are answering, the others are not. */
export function markAnswering(
  entries: ReadonlyMap<string, KioskEntry>,
  answered: ReadonlySet<string>,
): Map<string, KioskEntry> {
  const next = new Map<string, KioskEntry>();
  for (const [id, entry] of entries) {
    const answering = answered.has(id);
    next.set(id, entry.answering === answering ? entry : { ...entry, answering });
  }
  return next;
}
