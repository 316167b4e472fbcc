// A model of the session machine for xstate/graph: which events to try in each state (user input
// both well-formed and not, every actor outcome and every contract error, every timer) and which
// part of a snapshot tells states apart. Used by the path tests and by states-describe.ts; pure.
// It lives with the tooling, not beside the chart: the product never explores its own graph.
import type { AnyMachineSnapshot, AnyStateMachine, AnyStateNode, EventObject } from 'xstate';
import {
  getAdjacencyMap,
  getShortestPaths,
  type AdjacencyMap,
  type StatePath,
  type TraversalOptions,
} from 'xstate/graph';
import {
  CARD_RECORD_STATUSES,
  ContractError,
  type ActivationPath,
  type ErrorCode,
  type CardData,
  type Selfcheck,
} from '../../machines/contract/index.ts';
import { readClockFrom, sessionMachine } from '../../machines/session/session.machine.ts';
import { statePathOf, type SessionSnapshot } from '../../machines/session/view.ts';

/** The kiosk clock during traversal: inside the sample card's validity. */
export const TRAVERSAL_NOW = Date.parse('2026-06-01T00:00:00Z');

export const traversalMachine = sessionMachine.provide({
  actions: { readClock: readClockFrom(() => TRAVERSAL_NOW) },
});

const cleanPin = {
  userPinInitialized: false,
  userPinCountLow: false,
  userPinFinalTry: false,
  userPinLocked: false,
  minPinLength: 4,
  maxPinLength: 16,
};

export const SAMPLE_CARD: CardData = {
  cardNumber: 'TT00000000000051',
  certSerial: '5A17C0DE',
  holderName: '測試公司1',
  ubn: '97969933',
  email: 'test@example.com.tw',
  validFrom: '2026-01-01T00:00:00Z',
  validTo: '2031-01-01T00:00:00Z',
  pinFlags: cleanPin,
  certificateKeySha256: '5a17c0de'.repeat(8),
};

/** What the card agent returns after setting the PIN: the card's key and its signature over the grant's nonce. */
export const SAMPLE_PROOF = { publicKey: 'sample-card-public-key', signature: 'sample-signature-over-nonce' };

const usedCard: CardData = { ...SAMPLE_CARD, pinFlags: { ...cleanPin, userPinCountLow: true } };

/** A first read: a good card, an expired one, one whose PIN was tried before activation. */
const READ_OUTCOMES: CardData[] = [SAMPLE_CARD, { ...SAMPLE_CARD, validTo: '2026-02-01T00:00:00Z' }, usedCard];

/** A card put back: the same one, the same one tried elsewhere meanwhile, another one. */
const REREAD_OUTCOMES: CardData[] = [
  SAMPLE_CARD,
  usedCard,
  { ...SAMPLE_CARD, cardNumber: 'TT00000000000099', certSerial: '0BADCAFE' },
];

const checks = (service: boolean, reader: boolean, card: boolean, token: boolean): Selfcheck => ({
  ok: service && reader && card && token,
  checks: [
    { id: 'service', ok: service },
    { id: 'reader', ok: reader },
    { id: 'card', ok: card },
    { id: 'token', ok: token },
  ],
});

const SELFCHECK_OUTCOMES: Selfcheck[] = [
  checks(true, true, true, true),
  checks(true, true, false, false),
  checks(true, true, true, false),
  checks(true, false, false, false),
];

const ROUTES: ActivationPath[] = ['self-applied', 'registration-bundled'];

/**
 * What each actor may reject with: the codes its real implementation can produce (docs/contract.md,
 * "Subjects" and "Screens and error codes"), plus a failure with no code at all. Every code of the catalogue comes from
 * somewhere here or from the user's own input; a new code needs a line here and a state to show it.
 */
const REJECTIONS: Readonly<Record<string, readonly (ErrorCode | null)[]>> = {
  selfcheck: ['READER_NOT_FOUND', '3125', null],
  readCard: ['CARD_NOT_DETECTED', 'CARD_UNREADABLE', 'NOT_BUSINESS_CARD', 'READER_NOT_FOUND', 'BAD_REQUEST', '3125', null],
  identifyCard: ['UNKNOWN_CARD', 'CARD_MISMATCH', 'BAD_REQUEST', '3125', null],
  verifyIdentity: [
    '3005',
    'LOCKED',
    'WRONG_PATH',
    'ID_FORMAT',
    'BIRTH_DATE_FORMAT',
    'BIRTH_DATE_REQUIRED',
    'USER_CODE_FORMAT',
    '27011',
    '4931',
    'SUSPENDED',
    'ALREADY_ACTIVATED',
    'UNKNOWN_CARD',
    'SESSION_EXPIRED',
    'BAD_REQUEST',
    '3125',
    null,
  ],
  acceptCertificate: [
    'EMAIL_FORMAT',
    'USER_CODE_FORMAT',
    'USER_CODE_MISMATCH',
    '4931',
    'SUSPENDED',
    'ALREADY_ACTIVATED',
    'SESSION_EXPIRED',
    'BAD_REQUEST',
    '3125',
    null,
  ],
  setPin: [
    'PIN_FORMAT',
    '27011',
    'CARD_NOT_DETECTED',
    'CARD_UNREADABLE',
    'CARD_MISMATCH',
    'READER_NOT_FOUND',
    'SESSION_EXPIRED',
    'BAD_REQUEST',
    '3125',
    null,
  ],
  // The registry's answers to `complete`; 3125 (and no code) is resent by the machine.
  completeActivation: ['CARD_MISMATCH', 'SESSION_EXPIRED', 'ALREADY_ACTIVATED', 'BAD_REQUEST', '3125', null],
};

function rejectionsOf(src: string): unknown[] {
  return (REJECTIONS[src] ?? []).flatMap((code) => {
    if (code === null) return [new Error('no contract code')];
    if (code !== '3005') return [new ContractError(code)];
    // The registry answers LOCKED (never a 3005 with none left) once the attempts run out.
    return [new ContractError(code, undefined, { attemptsLeft: 2 })];
  });
}

/** The done and error events of an invoke (`id`) of the named actor `src`. */
function outcomes(id: string, src: string, outputs: readonly unknown[]): SampleEvent[] {
  return [
    ...outputs.map((output) => ({ type: `xstate.done.actor.${id}`, output })),
    ...rejectionsOf(src).map((error) => ({ type: `xstate.error.actor.${id}`, error })),
  ];
}

/** An event as the traversal sends it: a type and whatever payload. */
type SampleEvent = EventObject & Record<string, unknown>;

/** Sample events by type; a type not listed is tried bare (`{ type }`), e.g. the timers. */
const SAMPLES: Record<string, readonly SampleEvent[]> = {
  'user.choosePath': ROUTES.map((path) => ({ type: 'user.choosePath', path })),
  'user.submitUserCode': [
    { type: 'user.submitUserCode', userCode: 'Ab3$xyz9' },
    { type: 'user.submitUserCode', userCode: 'abc' },
  ],
  'user.submitResponsibleId': [
    { type: 'user.submitResponsibleId', responsibleId: 'A123456789', birthDate: '民國75年3月5日' },
    { type: 'user.submitResponsibleId', responsibleId: 'A123456788' },
    { type: 'user.submitResponsibleId', responsibleId: 'A12345' },
    { type: 'user.submitResponsibleId', responsibleId: 'A123456789', birthDate: '2999-01-01' },
  ],
  'user.submitContact': [
    { type: 'user.submitContact', email: 'new@example.com.tw', userCode: 'Nw7#code', userCodeConfirm: 'Nw7#code' },
    { type: 'user.submitContact', email: 'not-an-email', userCode: 'Nw7#code', userCodeConfirm: 'Nw7#code' },
    { type: 'user.submitContact', email: 'new@example.com.tw', userCode: 'abc', userCodeConfirm: 'abc' },
    { type: 'user.submitContact', email: 'new@example.com.tw', userCode: 'Nw7#code', userCodeConfirm: 'Nw7#codE' },
  ],
  'user.submitPin': [
    { type: 'user.submitPin', pin: '246810', pinConfirm: '246810' },
    { type: 'user.submitPin', pin: '12', pinConfirm: '12' },
    { type: 'user.submitPin', pin: '246810', pinConfirm: '246811' },
  ],
  // Language changes nothing but the words on the screen (the machine tests cover it).
  'user.setLanguage': [],
  // Nor does the staff's speech setting (the machine and browser tests cover it).
  'staff.speechOn': [],
  'staff.speechOff': [],
  'card.inserted': [{ type: 'card.inserted', reader: 'reader-0' }],
  'card.removed': [{ type: 'card.removed', reader: 'reader-0' }],
  'reader.attached': [{ type: 'reader.attached', reader: 'reader-0' }],
  'reader.detached': [{ type: 'reader.detached', reader: 'reader-0' }],
  ...Object.fromEntries(
    [
      ...outcomes('selfcheck', 'selfcheck', SELFCHECK_OUTCOMES),
      ...outcomes('readCard', 'readCard', READ_OUTCOMES),
      ...outcomes('rereadCard', 'readCard', REREAD_OUTCOMES),
      ...outcomes(
        'identifyCard',
        'identifyCard',
        [
          ...CARD_RECORD_STATUSES.flatMap((status) => ROUTES.map((route) => ({ route, status, attemptsLeft: 5 }))),
          { route: 'self-applied', status: 'issued', attemptsLeft: 0 },
        ],
      ),
      ...outcomes('verifyIdentity', 'verifyIdentity', [
        { activationId: 'act-1', expiresAt: '2026-06-01T01:00:00Z' },
        { activationId: 'act-1', expiresAt: '2026-06-01T01:00:00Z', acceptedAt: '2026-05-31T10:00:00Z' },
      ]),
      ...outcomes('acceptCertificate', 'acceptCertificate', [{ acceptedAt: '2026-06-01T00:05:00Z' }]),
      ...outcomes('setPin', 'setPin', [{ at: '2026-06-01T00:06:00Z', proof: SAMPLE_PROOF }]),
      ...outcomes('completeActivation', 'completeActivation', [{ activatedAt: '2026-06-01T00:06:01Z' }]),
    ].reduce<Map<string, SampleEvent[]>>((byType, event) => {
      byType.set(event.type, [...(byType.get(event.type) ?? []), event]);
      return byType;
    }, new Map()),
  ),
};

/** The active state nodes of a snapshot, root first (the machine has no parallel states). */
export function activeStateNodes(snapshot: SessionSnapshot): AnyStateNode[] {
  const nodes: AnyStateNode[] = [snapshot.machine.root];
  let value: unknown = snapshot.value;
  let node: AnyStateNode = snapshot.machine.root;
  while (value !== undefined) {
    const [key, child] = typeof value === 'string' ? [value, undefined] : (Object.entries(value as object)[0] ?? []);
    if (key === undefined) break;
    const next = node.states[key];
    if (next === undefined) break;
    nodes.push(next);
    node = next;
    value = child;
  }
  return nodes;
}

/** Every event any active state node handles, with sample payloads. */
export function eventsFor(snapshot: SessionSnapshot): EventObject[] {
  const types = new Set(activeStateNodes(snapshot).flatMap((node) => node.ownEvents as string[]));
  return [...types].flatMap((type) => SAMPLES[type] ?? [{ type }]);
}

const INPUT_STATES = new Set(['awaitingUserCode', 'awaitingResponsibleId', 'awaitingContact', 'awaitingPin']);

/**
 * The state value and the context that decides what can happen next or is shown. The rest (clock,
 * card details, secrets, activation id) only shapes what is sent, and would multiply the
 * states without adding behaviour; the retry counter and the retry point count only where they
 * are read, the input error only on the screen that shows it.
 */
export function serializeForTraversal(snapshot: SessionSnapshot): string {
  const { context } = snapshot;
  const leaf = statePathOf(snapshot.value).split('.').pop() ?? '';
  return JSON.stringify({
    value: snapshot.value,
    route: context.route,
    chosenPath: context.chosenPath,
    card: context.card?.cardNumber ?? null,
    resumeAt: context.resumeAt,
    // Only "fewer than two" and "two or more" differ in what happens next, so the count is capped.
    cardNotDetectedInARow: Math.min(context.cardNotDetectedInARow, 2),
    ...(leaf === 'registryUnreachable' || context.resumeAt === 'registryUnreachable' ? { retryAt: context.retryAt } : {}),
    ...(INPUT_STATES.has(leaf) ? { inputError: context.inputError?.code ?? null } : {}),
    ...(leaf === 'accepting' || leaf === 'awaitingAcceptRetry' ? { acceptRetries: context.acceptRetries } : {}),
    ...(leaf === 'checkingCard' || leaf === 'readingCard' ? { unansweredCardReads: context.unansweredCardReads } : {}),
  });
}

const traversalOptions = {
  events: (snapshot: SessionSnapshot) => eventsFor(snapshot),
  serializeState: (snapshot: SessionSnapshot) => serializeForTraversal(snapshot),
};

export type SessionPath = StatePath<SessionSnapshot, EventObject>;

export interface SessionGraph {
  readonly adjacency: AdjacencyMap<SessionSnapshot, EventObject>;
  readonly shortestPaths: SessionPath[];
}

/** Every reachable (serialized) state with its transitions, and the shortest path to each. */
export function exploreSessionGraph(): SessionGraph {
  // xstate/graph is typed per logic; the model speaks in plain snapshots and sample events.
  const logic = traversalMachine as unknown as AnyStateMachine;
  const options = traversalOptions as unknown as TraversalOptions<AnyMachineSnapshot, EventObject, undefined>;
  const adjacency = getAdjacencyMap(logic, options) as unknown as AdjacencyMap<SessionSnapshot, EventObject>;
  const shortestPaths = getShortestPaths(logic, options) as unknown as SessionPath[];
  return { adjacency, shortestPaths };
}
