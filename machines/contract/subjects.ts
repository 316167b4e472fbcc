// The NATS subjects of docs/contract.md ("Subjects"), and the JetStream names that go with them.
// Kiosk-local subjects carry secrets (PIN, user code, ID) and are never exported to the hub;
// `kioskHubSubjects` lists the ones that may be.

/** A kiosk id as the contract allows it: lower-case letters, digits and dashes, 1–32 long. */
export const KIOSK_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function isKioskId(value: unknown): value is string {
  return typeof value === 'string' && KIOSK_ID_PATTERN.test(value);
}

function assertKioskId(kioskId: string): void {
  if (!isKioskId(kioskId)) throw new Error(`not a kiosk id: ${JSON.stringify(kioskId)}`);
}

/** Subjects of one kiosk. */
export function kioskSubjects(kioskId: string) {
  assertKioskId(kioskId);
  const base = `kiosk.${kioskId}`;
  return {
    // kiosk-local: may carry secrets
    input: `${base}.input`,
    cardEvents: `${base}.card.events`,
    cardStatus: `${base}.card.status`,
    cardSelfcheck: `${base}.card.selfcheck`,
    cardRead: `${base}.card.read`,
    cardSetPin: `${base}.card.set-pin`,
    cardSimInsert: `${base}.card.sim.insert`,
    cardSimRemove: `${base}.card.sim.remove`,
    // exported to the hub: never carry secrets
    view: `${base}.view`,
    viewGet: `${base}.view.get`,
    inspect: `${base}.inspect`,
    staff: `${base}.staff`,
    // our extensions, exported too, never secrets
    /** → the engine's counters (accepted, ignored, rejected events; views; snapshots). */
    engineStats: `${base}.engine.stats`,
    /** → the session machine's structure, for the inspector. */
    inspectMachine: `${base}.inspect.machine`,
  } as const;
}

/** Our extension: every engine answers a request here with its current View (staff console, inspector). */
export const KIOSK_DISCOVER_SUBJECT = 'kiosk.discover';

/** Every kiosk's view stream; the middle token is the kiosk id. */
export const ALL_KIOSK_VIEWS_SUBJECT = 'kiosk.*.view';

/** The kiosk id a `kiosk.<id>.view` subject names, or undefined. */
export function kioskIdOfViewSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  if (parts.length !== 3 || parts[0] !== 'kiosk' || parts[2] !== 'view') return undefined;
  return isKioskId(parts[1]) ? parts[1] : undefined;
}

/** The subjects of a kiosk that may leave the kiosk's own server. */
export function kioskHubSubjects(kioskId: string): readonly string[] {
  const s = kioskSubjects(kioskId);
  return [s.view, s.viewGet, s.inspect, s.staff, s.engineStats, s.inspectMachine, KIOSK_DISCOVER_SUBJECT];
}

/** The registry's request subjects (a queue group answers them). */
export const REGISTRY_SUBJECTS = {
  identify: 'ra.activation.identify',
  verify: 'ra.activation.verify',
  accept: 'ra.activation.accept',
  pinGrant: 'ra.activation.pin-grant',
  complete: 'ra.activation.complete',
  /** Our extension: the card agent reports a failed (or refused) SO login; grants stop until staff unlock. */
  soLoginFailed: 'ra.activation.so-login-failed',
  /** Our extension: a kiosk's engine asks whether a staff token still stands (enrolled, not revoked, not signed out). */
  staffCheck: 'ra.activation.staff-check',
  staffUnlock: 'ra.staff.unlock',
  staffReturn: 'ra.staff.return',
  staffCard: 'ra.staff.card',
  /** Our extension: registering issuance records (`npm run cards -- import`). Admin only. */
  adminImport: 'ra.admin.import',
  /** Our extension: one summary line per card (`npm run cards -- list`). Admin only. */
  adminList: 'ra.admin.list',
  /** Our extension: enrolls a kiosk's card-agent signing key. Admin only. */
  adminEnrollAgent: 'ra.admin.enroll-agent',
  /** Our extension: RA_EVENTS a page at a time for the office dashboard (docs/dashboard.md). Read-only. */
  dashboardEvents: 'ra.dashboard.events',
} as const;

export type RegistryEndpoint = keyof typeof REGISTRY_SUBJECTS;

/**
 * In production a kiosk asks on `<subject>.<kiosk>` so that NATS permissions, not a body field,
 * say who is asking.
 */
export function registrySubjectFor(endpoint: RegistryEndpoint, kioskId?: string): string {
  const subject = REGISTRY_SUBJECTS[endpoint];
  if (kioskId === undefined) return subject;
  assertKioskId(kioskId);
  return `${subject}.${kioskId}`;
}

/** JetStream names. */
export const JETSTREAM = {
  /**
   * One event per change of a card record. Each change is one message on the card's own subject
   * `ra.events.<cardNumber>.change` (the event as its body, the sealed record in its header);
   * events stored before that layout are on `ra.events.<cardNumber>.<type>`. Read a card's history
   * with `ra.events.<cardNumber>.>`, every card's with `ra.events.>`; the type is the body's.
   */
  registryEventsStream: 'RA_EVENTS',
  registryEventsSubject: (cardNumber: string, type: string) => `ra.events.${cardNumber}.${type}`,
  registryCardSubject: (cardNumber: string) => `ra.events.${cardNumber}.change`,
  /** The registry's card records, one key per card number. */
  registryCardsBucket: 'ra_cards',
  /** Activation records, one key per activation id. */
  registryActivationsBucket: 'ra_activations',
  /** The engine's persisted, secret-free snapshots, one key per kiosk. */
  kioskSnapshotsBucket: 'kiosk_snapshots',
} as const;
