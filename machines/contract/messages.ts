// Runtime schemas (valibot) for every message of docs/contract.md, and the types inferred
// from them. Every process decodes at its edge with `decode()` and then works with plain types.
//
// Shape only: a user event schema checks that `userCode` is a bounded string, not that it is a
// valid user code. Format checks belong to the machine (they become input errors on the screen,
// not BAD_REQUEST), and the registry checks the rest again.
import * as v from 'valibot';
import { REMEDIES } from './errors.ts';
import { LANGUAGES, SCREENS } from './screens.ts';
import { KIOSK_ID_PATTERN } from './subjects.ts';
import { base64url, CARD_RECORD_STATUSES, cardNumber, certSerial, errorCode, isoTime, keySha256, kioskId, path, typed } from './fields.ts';

// ---------------------------------------------------------------------------------------------
// Section 3: events into the engine

export const UserEventSchema = v.variant('type', [
  v.object({ type: v.literal('user.choosePath'), path }),
  v.object({ type: v.literal('user.submitUserCode'), userCode: typed() }),
  v.object({
    type: v.literal('user.submitResponsibleId'),
    responsibleId: typed(),
    birthDate: v.optional(typed()),
  }),
  v.object({ type: v.literal('user.confirmIdWarning') }),
  v.object({ type: v.literal('user.correctId') }),
  v.object({ type: v.literal('user.confirmCardData') }),
  v.object({ type: v.literal('user.disputeCardData') }),
  v.object({
    type: v.literal('user.submitContact'),
    email: typed(254),
    userCode: typed(),
    userCodeConfirm: typed(),
  }),
  v.object({ type: v.literal('user.submitPin'), pin: typed(), pinConfirm: typed() }),
  v.object({ type: v.literal('user.reset') }),
  v.object({ type: v.literal('user.stillHere') }),
  v.object({ type: v.literal('user.cancel') }),
  v.object({ type: v.literal('user.callStaff') }),
  v.object({ type: v.literal('user.setLanguage'), lang: v.picklist(LANGUAGES) }),
]);
export type UserEvent = v.InferOutput<typeof UserEventSchema>;

/**
 * A staff action on a kiosk. `token` is the staff token from sign-in: the engine acts only on a
 * valid one and takes the staff id from it; a `staffId` in the body is not trusted (docs/security.md, "Staff sign-in").
 */
const staffEventFields = { staffId: v.optional(typed()), token: v.optional(v.pipe(v.string(), v.maxLength(4096))) };
export const StaffEventSchema = v.variant('type', [
  v.object({ type: v.literal('staff.overrideIdWarning'), ...staffEventFields }),
  v.object({ type: v.literal('staff.abort'), ...staffEventFields }),
  v.object({ type: v.literal('staff.takeCard'), ...staffEventFields }),
  v.object({ type: v.literal('staff.unlocked'), ...staffEventFields }),
  v.object({ type: v.literal('staff.resume'), ...staffEventFields }),
  // Our extension: the kiosk's automatic speech on a screen change (docs/ui.md, "Spoken guidance").
  v.object({ type: v.literal('staff.speechOn'), ...staffEventFields }),
  v.object({ type: v.literal('staff.speechOff'), ...staffEventFields }),
]);
export type StaffEvent = v.InferOutput<typeof StaffEventSchema>;

// ---------------------------------------------------------------------------------------------
// Section 2: the card agent

export const CardEventSchema = v.object({
  type: v.picklist(['reader.attached', 'reader.detached', 'card.inserted', 'card.removed']),
  reader: typed(128),
  atr: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]*$/))),
  at: isoTime,
});
export type CardEvent = v.InferOutput<typeof CardEventSchema>;

export const CardStatusSchema = v.object({
  readers: v.array(
    v.object({
      name: typed(128),
      cardPresent: v.boolean(),
      atr: v.optional(v.string()),
    }),
  ),
});
export type CardStatus = v.InferOutput<typeof CardStatusSchema>;

export const SelfcheckSchema = v.object({
  ok: v.boolean(),
  checks: v.array(
    v.object({
      id: v.picklist(['service', 'reader', 'card', 'token']),
      ok: v.boolean(),
      detail: v.optional(v.string()),
      /** Our extension: the contract code a failing check stands for. */
      code: v.optional(errorCode),
    }),
  ),
});
export type Selfcheck = v.InferOutput<typeof SelfcheckSchema>;

/** The token's user-PIN state, read from the PKCS#11 token flags. */
export const PinFlagsSchema = v.object({
  userPinInitialized: v.boolean(),
  userPinCountLow: v.boolean(),
  userPinFinalTry: v.boolean(),
  userPinLocked: v.boolean(),
  /** The token's own PIN length bounds (ulMinPinLen / ulMaxPinLen). */
  minPinLength: v.number(),
  maxPinLength: v.number(),
});
export type PinFlags = v.InferOutput<typeof PinFlagsSchema>;

/** What `card.read` answers: the card number and the certificate on it. */
export const CardDataSchema = v.object({
  cardNumber,
  certSerial,
  holderName: typed(256),
  /** The certificate subject's OU (a branch or unit), when it names one: shown with the holder. */
  orgUnit: v.optional(typed(256)),
  ubn: v.pipe(v.string(), v.regex(/^\d{8}$/)),
  email: typed(254),
  validFrom: isoTime,
  validTo: isoTime,
  pinFlags: PinFlagsSchema,
  /** Our extension: SHA-256 of the certificate's public key (SPKI DER), for identify (the card agent always sends it). */
  certificateKeySha256: v.optional(keySha256),
});
export type CardData = v.InferOutput<typeof CardDataSchema>;

export const SetPinRequestSchema = v.object({
  activationId: typed(128),
  newPin: typed(),
});
export type SetPinRequest = v.InferOutput<typeof SetPinRequestSchema>;

/** Our extension: proof that the card's own key signed the grant's nonce after its PIN was set. */
export const PossessionProofSchema = v.object({
  /** The certificate's SubjectPublicKeyInfo (DER, base64url); its SHA-256 must be the record's. */
  publicKey: base64url(40, 2000),
  /** The card's signature (ECDSA P-256 as r‖s, or RSA PKCS#1 v1.5) over the possession statement, base64url. */
  signature: base64url(40, 700),
});
export type PossessionProof = v.InferOutput<typeof PossessionProofSchema>;

/**
 * The PIN is set on the card. The agent does not tell the registry: it hands back the card's
 * proof of possession, and the engine sends `complete` (retrying until the registry answers).
 */
export const SetPinReplySchema = v.object({ ok: v.literal(true), at: isoTime, proof: PossessionProofSchema });
export type SetPinReply = v.InferOutput<typeof SetPinReplySchema>;

export const SimInsertRequestSchema = v.object({ cardNumber });
export const SimRemoveRequestSchema = v.object({});
export const OkReplySchema = v.object({ ok: v.boolean() });

// ---------------------------------------------------------------------------------------------
// Section 2: the registry

export { CARD_RECORD_STATUSES, type CardRecordStatus } from './fields.ts';

export const IdentifyRequestSchema = v.object({
  cardNumber,
  certSerial,
  /** Our extension: the card's certificate key fingerprint; a card whose key differs is CARD_MISMATCH. */
  certificateKeySha256: keySha256,
  kioskId: v.optional(kioskId),
});
export type IdentifyRequest = v.InferOutput<typeof IdentifyRequestSchema>;

export const IdentifyReplySchema = v.object({
  route: path,
  status: v.picklist(CARD_RECORD_STATUSES),
  attemptsLeft: v.number(),
});
export type IdentifyReply = v.InferOutput<typeof IdentifyReplySchema>;

export const VerifyRequestSchema = v.variant('route', [
  v.object({ cardNumber, certSerial, kioskId, route: v.literal('self-applied'), userCode: typed() }),
  v.object({
    cardNumber,
    certSerial,
    kioskId,
    route: v.literal('registration-bundled'),
    responsibleId: typed(),
    birthDate: v.optional(typed()),
  }),
]);
export type VerifyRequest = v.InferOutput<typeof VerifyRequestSchema>;

export const VerifyReplySchema = v.object({
  activationId: typed(128),
  expiresAt: isoTime,
  /** Our extension: the record is already accepted, so the kiosk goes straight to the PIN step. */
  acceptedAt: v.optional(isoTime),
});
export type VerifyReply = v.InferOutput<typeof VerifyReplySchema>;

export const AcceptRequestSchema = v.object({
  activationId: typed(128),
  contactEmail: v.optional(typed(254)),
  newUserCode: v.optional(typed()),
});
export type AcceptRequest = v.InferOutput<typeof AcceptRequestSchema>;

export const AcceptReplySchema = v.object({ acceptedAt: isoTime });
export type AcceptReply = v.InferOutput<typeof AcceptReplySchema>;

export const PinGrantRequestSchema = v.object({
  activationId: typed(128),
  cardNumber,
  /** The card agent's one-time X25519 public key, raw 32 bytes, base64url. */
  agentPublicKey: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/)),
  /**
   * Our extension: the kiosk's enrolled card-agent key (Ed25519) signs the one-time key for this
   * activation and kiosk (`platform/card-proofs.ts`); the registry seals to nothing else.
   */
  agentKeySignature: base64url(86, 86),
});
export type PinGrantRequest = v.InferOutput<typeof PinGrantRequestSchema>;

export const PinGrantReplySchema = v.object({
  /** The SO credential as a compact JWE to the agent's one-time key (docs/registry.md, "PIN grant"). */
  sealed: v.pipe(v.string(), v.maxLength(4096), v.regex(/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){4}$/)),
  /** Our extension: the nonce the card must sign (with its own key, after the new PIN) for `complete`. */
  proofNonce: base64url(43, 43),
});
export type PinGrantReply = v.InferOutput<typeof PinGrantReplySchema>;


export const CompleteRequestSchema = v.object({ activationId: typed(128), cardNumber, proof: PossessionProofSchema });
export type CompleteRequest = v.InferOutput<typeof CompleteRequestSchema>;

export const CompleteReplySchema = v.object({ activatedAt: isoTime });
export type CompleteReply = v.InferOutput<typeof CompleteReplySchema>;

export const StaffCardRequestSchema = v.object({ cardNumber, staffId: v.optional(typed()) });

/** Our extension `ra.activation.so-login-failed`: the card agent reports an SO login that failed or was refused. */
export const SO_LOGIN_PROBLEMS = ['wrong-so-credential', 'so-pin-count-low', 'so-pin-final-try', 'so-pin-locked'] as const;
export const SoLoginFailedRequestSchema = v.object({
  activationId: typed(128),
  cardNumber,
  problem: v.picklist(SO_LOGIN_PROBLEMS),
  /** The enrolled agent key's signature over the report (`platform/card-proofs.ts`). */
  agentKeySignature: base64url(86, 86),
});
export type SoLoginFailedRequest = v.InferOutput<typeof SoLoginFailedRequestSchema>;
export const SoLoginFailedReplySchema = v.object({ recorded: v.boolean() });

/** Our extension `ra.admin.enroll-agent`: an operator enrolls a kiosk's card-agent key (admin only). */
export const AdminEnrollAgentRequestSchema = v.object({
  kioskId,
  /** Raw Ed25519 public key, 32 bytes, base64url. */
  publicKey: base64url(43, 43),
});
export type AdminEnrollAgentRequest = v.InferOutput<typeof AdminEnrollAgentRequestSchema>;
export const AdminEnrollAgentReplySchema = v.object({ kioskId, outcome: v.picklist(['enrolled', 'replaced', 'unchanged']) });
export type StaffCardRequest = v.InferOutput<typeof StaffCardRequestSchema>;

/**
 * The request of an endpoint that reads nothing from it (status, self-check, view.get, stats, the
 * staff list): any body, an empty one included, is the same question.
 */
export const UnreadRequestSchema = v.unknown();

export const WireErrorBodySchema = v.object({
  error: v.object({
    code: errorCode,
    message: v.string(),
    retryable: v.boolean(),
    attemptsLeft: v.optional(v.number()),
  }),
});
export type WireErrorBody = v.InferOutput<typeof WireErrorBodySchema>;

// ---------------------------------------------------------------------------------------------
// Section 4: the view, and inspection events

export const ViewCardSchema = v.object({
  cardNumber,
  holderName: v.string(),
  /** Our extension: the certificate's OU, shown as 憑證用戶名稱 C=TW,O=…,OU=…. */
  orgUnit: v.optional(v.string()),
  ubn: v.string(),
  certSerial,
  validFrom: isoTime,
  validTo: isoTime,
  email: v.string(),
  route: v.optional(path),
});
export type ViewCard = v.InferOutput<typeof ViewCardSchema>;

/** The steps that ask the registry, in order: where a 3125 can happen. */
export const REGISTRY_STEPS = ['identify', 'verify', 'accept', 'pinGrant', 'complete'] as const;
export type RegistryStep = (typeof REGISTRY_STEPS)[number];

export const ViewSchema = v.object({
  kioskId,
  seq: v.number(),
  screen: v.picklist(SCREENS),
  lang: v.picklist(LANGUAGES),
  step: v.optional(v.object({ index: v.number(), of: v.number() })),
  busy: v.boolean(),
  accepts: v.array(v.string()),
  card: v.optional(ViewCardSchema),
  error: v.optional(
    v.object({
      code: errorCode,
      retryable: v.boolean(),
      attemptsLeft: v.optional(v.number()),
      /** Our extension: what to do next when it differs from the catalogue's (a repeated CARD_NOT_DETECTED: staff). */
      remedy: v.optional(v.picklist(REMEDIES)),
      /** Our extension: for 3125, the step whose request did not reach the CA, so the screen says what did not happen. */
      during: v.optional(v.picklist(REGISTRY_STEPS)),
    }),
  ),
  deadline: v.optional(isoTime),
  /** Our extension: the path chosen, so the UI can title the screens. */
  path: v.optional(path),
  /** Our extension: the state path, for staff and the inspector (no secrets in state names). */
  state: v.optional(v.string()),
  /** Our extension: the screen the user was on when `stillThere` or `staffAssist` came up. */
  returnScreen: v.optional(v.picklist(SCREENS)),
  /** Our extension: staff turned on automatic speech (`staff.speechOn`): the page speaks each new screen. */
  autoSpeech: v.optional(v.boolean()),
});
export type View = v.InferOutput<typeof ViewSchema>;

export const InspectionEventSchema = v.object({
  seq: v.number(),
  at: isoTime,
  kind: v.picklist(['snapshot', 'event', 'actor']),
  state: v.optional(v.unknown()),
  /** The event's type and its payload with secret fields replaced (machines/session/redact.ts). */
  event: v.optional(v.looseObject({ type: v.string() })),
  actor: v.optional(v.string()),
});
export type InspectionEvent = v.InferOutput<typeof InspectionEventSchema>;

// ---------------------------------------------------------------------------------------------
// `/config.json`: what the kiosk's static server tells the browser pages

const browserKioskId = v.pipe(v.string(), v.regex(KIOSK_ID_PATTERN, 'a kiosk id'));

export const BrowserConfigSchema = v.object({
  /** The kiosk's own nats-server, over websocket (loopback). */
  natsWsUrl: v.pipe(v.string(), v.regex(/^wss?:\/\//, 'a ws:// or wss:// URL')),
  kioskId: browserKioskId,
  /** The demo card tray is shown only with the simulated reader. */
  simulatedReader: v.optional(v.boolean(), false),
  demoCards: v.optional(v.array(v.object({ cardNumber: v.pipe(v.string(), v.maxLength(32)), label: v.pipe(v.string(), v.maxLength(200)) }))),
  /** The page's own NATS login (docs/security.md): served only to a same-origin request. */
  nats: v.optional(v.object({ user: v.string(), password: v.string(), inboxPrefix: v.string() })),
});
export type BrowserConfig = v.InferOutput<typeof BrowserConfigSchema>;

/**
 * The id of the data block (`<script type="application/json">`) in which the UI server hands the
 * kiosk page the engine's current View, so that the first screen needs no websocket round trip.
 */
export const INITIAL_VIEW_ELEMENT_ID = 'ka-initial-view';

// ---------------------------------------------------------------------------------------------

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/**
 * Validates `input` against `schema`. The problems name the fields and what was wrong with them,
 * never the values: a rejected user event may carry a secret.
 */
export function decode<S extends v.GenericSchema>(schema: S, input: unknown): DecodeResult<v.InferOutput<S>> {
  const result = v.safeParse(schema, input);
  if (result.success) return { ok: true, value: result.output };
  return {
    ok: false,
    problems: result.issues.map((issue) => {
      const where = v.getDotPath(issue) ?? '(root)';
      return `${where}: expected ${issue.expected ?? 'a valid value'}`;
    }),
  };
}

/** Parses JSON bytes/text then validates; malformed JSON is a problem like any other. */
export function decodeJson<S extends v.GenericSchema>(
  schema: S,
  data: Uint8Array | string,
): DecodeResult<v.InferOutput<S>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
  } catch {
    return { ok: false, problems: ['(root): expected JSON'] };
  }
  return decode(schema, parsed);
}
