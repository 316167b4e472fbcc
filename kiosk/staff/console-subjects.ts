// Subjects the staff console and the inspector use beyond the contract's `kioskSubjects`: the
// engine answers them (services/kiosk-engine/engine.service.ts, `engineSubjects`). Written out
// here because that module is Node-side; none of them carries a secret.
import { isKioskId } from '../../machines/contract/subjects.ts';

/** Every engine answers a request here with its current View. */
export const DISCOVER_SUBJECT = 'kiosk.discover';

/** Every kiosk's view stream; the middle token is the kiosk id. */
export const ALL_VIEWS_SUBJECT = 'kiosk.*.view';

export function consoleSubjects(kioskId: string) {
  if (!isKioskId(kioskId)) throw new Error(`not a kiosk id: ${JSON.stringify(kioskId)}`);
  const base = `kiosk.${kioskId}`;
  return {
    view: `${base}.view`,
    viewGet: `${base}.view.get`,
    staff: `${base}.staff`,
    inspect: `${base}.inspect`,
    /** → the machine's structure (`DescribedState`). */
    machine: `${base}.inspect.machine`,
    /** → the engine's counters (`EngineStats`). */
    stats: `${base}.engine.stats`,
  } as const;
}

/** The kiosk id a `kiosk.<id>.view` subject names, or undefined. */
export function kioskIdOfViewSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  if (parts.length !== 3 || parts[0] !== 'kiosk' || parts[2] !== 'view') return undefined;
  return isKioskId(parts[1]) ? parts[1] : undefined;
}
