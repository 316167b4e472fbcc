// The PKCS#11 worker's operations: the only code that calls pkcs11js. It mirrors PKCS#11's own model
// (module → slot → token → session → object), handles one request at a time, and releases every
// handle it opens in `finally` (C_FindObjectsFinal, C_Logout, C_CloseSession). Failures go back
// raw (CKR_* value and the step it came from); `card/errors.ts` maps them on the agent's side.
// The production worker (pkcs11.worker.ts) serves CARD_OPERATIONS only; making demo tokens is
// card/demo's (pkcs11-demo.worker.ts), built on the helpers exported here.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import pkcs11js from 'pkcs11js';
import { openGrant } from '../../platform/pin-grant-jwe.ts';
import { soPinTroubleOf, type Pkcs11Step, type Situation } from '../errors.ts';
import type {
  TokenCertificate,
  TokenSelector,
  TokenSummary,
  WorkerFailure,
  WorkerReply,
  WorkerRequest,
  WorkerResults,
  WorkerSetup,
} from './protocol.ts';

export type Handle = Buffer;

const CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;
/** DER of the OID 1.2.840.10045.3.1.7 (secp256r1), as CKA_EC_PARAMS wants it. */
export const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');

export class Failure extends Error {
  constructor(readonly failure: WorkerFailure) {
    super(failure.kind);
  }
}

function situation(name: Situation, detail?: string): Failure {
  return new Failure({ kind: 'situation', situation: name, ...(detail === undefined ? {} : { detail }) });
}

/** pkcs11js throws Pkcs11Error (`message` = CKR name, `code` = value) or NativeError (code 0). */
export function failureOf(error: unknown, step: Pkcs11Step): WorkerFailure {
  if (error instanceof Failure) return error.failure;
  const code = typeof error === 'object' && error !== null && 'code' in error ? Number(error.code) : 0;
  const message = error instanceof Error ? error.message : String(error);
  if (code > 0 && message.startsWith('CKR_')) return { kind: 'pkcs11', value: code, name: message, step };
  return { kind: 'native', step, detail: message };
}

export function at<T>(step: Pkcs11Step, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw new Failure(failureOf(error, step));
  }
}

/** A view of a received secret as text for pkcs11js (which only takes strings), without a copy of the bytes. */
export function text(secret: Uint8Array): string {
  return Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString('utf8');
}

const setup = workerData as WorkerSetup;
let lib: pkcs11js.PKCS11 | undefined;
/**
 * The slot a selector last matched. With many tokens a full scan costs two info calls per slot;
 * a cached slot costs one, and is re-checked on every use (a card may be swapped).
 */
const slotCache = new Map<string, Handle>();

export function module(): pkcs11js.PKCS11 {
  if (lib !== undefined) return lib;
  const candidate = new pkcs11js.PKCS11();
  try {
    candidate.load(setup.modulePath);
  } catch (error) {
    throw situation('module-not-loadable', `${setup.modulePath}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    candidate.C_Initialize();
  } catch (error) {
    const failure = failureOf(error, 'initialize');
    if (!(failure.kind === 'pkcs11' && failure.value === CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      throw situation('module-not-loadable', failure.kind === 'pkcs11' ? failure.name : JSON.stringify(failure));
    }
  }
  lib = candidate;
  return lib;
}

/**
 * SoftHSM2 (and many modules) read their slot list once, at C_Initialize: a token created since
 * then stays invisible until the module is initialised again. Safe here because no session
 * outlives a request.
 */
export function reinitialize(): void {
  const m = module();
  slotCache.clear();
  at('initialize', () => m.C_Finalize());
  at('initialize', () => m.C_Initialize());
}

export function summaryOf(slot: Handle): TokenSummary {
  const m = module();
  const slotInfo = at('find-token', () => m.C_GetSlotInfo(slot));
  const info = at('find-token', () => m.C_GetTokenInfo(slot));
  return {
    slot: Buffer.from(slot).reverse().toString('hex').replace(/^0+(?=.)/, ''),
    slotDescription: slotInfo.slotDescription.trim(),
    label: info.label.trim(),
    serial: info.serialNumber.trim(),
    manufacturer: info.manufacturerID.trim(),
    model: info.model.trim(),
    flags: info.flags,
    minPinLength: info.minPinLen,
    maxPinLength: info.maxPinLen,
  };
}

export function presentTokens(): Array<{ slot: Handle; summary: TokenSummary }> {
  const m = module();
  return at('find-token', () => m.C_GetSlotList(true))
    .map((slot) => ({ slot, summary: summaryOf(slot) }))
    .filter(({ summary }) => (summary.flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0);
}

function matches(selector: TokenSelector, summary: TokenSummary): boolean {
  switch (selector.by) {
    case 'label':
      return summary.label === selector.label;
    case 'serial':
      return summary.serial === selector.serial;
    case 'slot-description':
      return summary.slotDescription.includes(selector.text);
  }
}

function cachedToken(key: string, selector: TokenSelector): { slot: Handle; summary: TokenSummary } | undefined {
  const slot = slotCache.get(key);
  if (slot === undefined) return undefined;
  try {
    const summary = summaryOf(slot);
    if ((summary.flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0 && matches(selector, summary)) return { slot, summary };
  } catch {
    // The slot went away with its token; a full scan decides.
  }
  slotCache.delete(key);
  return undefined;
}

export function findToken(selector: TokenSelector): { slot: Handle; summary: TokenSummary } {
  const key = JSON.stringify(selector);
  const cached = cachedToken(key, selector);
  if (cached !== undefined) return cached;
  const lookup = () => presentTokens().find(({ summary }) => matches(selector, summary));
  let found = lookup();
  if (found === undefined) {
    reinitialize();
    found = lookup();
  }
  if (found === undefined) throw situation('no-token-for-card');
  slotCache.set(key, found.slot);
  return found;
}

export function withSession<T>(slot: Handle, readWrite: boolean, use: (session: Handle) => T): T {
  const m = module();
  const flags = pkcs11js.CKF_SERIAL_SESSION | (readWrite ? pkcs11js.CKF_RW_SESSION : 0);
  const session = at('read', () => m.C_OpenSession(slot, flags));
  try {
    return use(session);
  } finally {
    try {
      m.C_CloseSession(session);
    } catch {
      // A card pulled mid-call takes its session with it; the call's own error is the one to report.
    }
  }
}

/** Logs in as `userType`, runs `use`, logs out even if `use` failed. */
export function withLogin<T>(session: Handle, userType: number, secret: Uint8Array, step: Pkcs11Step, use: () => T): T {
  const m = module();
  at(step, () => m.C_Login(session, userType, text(secret)));
  try {
    return use();
  } finally {
    try {
      m.C_Logout(session);
    } catch {
      // Closing the session logs out too; a failed logout must not mask the call's own error.
    }
  }
}

function findObjects(session: Handle, template: pkcs11js.Template): Handle[] {
  const m = module();
  at('read', () => m.C_FindObjectsInit(session, template));
  try {
    const found: Handle[] = [];
    for (;;) {
      const batch = at('read', () => m.C_FindObjects(session, 32));
      if (batch.length === 0) return found;
      found.push(...batch);
    }
  } finally {
    try {
      m.C_FindObjectsFinal(session);
    } catch {
      // Same as closing a session: the search's own error, if any, is what matters.
    }
  }
}

export function attribute(session: Handle, object: Handle, type: number): Buffer {
  const m = module();
  const [result] = at('read', () => m.C_GetAttributeValue(session, object, [{ type }]));
  return result?.value ?? Buffer.alloc(0);
}

function read(selector: TokenSelector): WorkerResults['read'] {
  const { slot, summary } = findToken(selector);
  const certificates = withSession(slot, false, (session): TokenCertificate[] =>
    findObjects(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
      { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
    ]).map((object) => ({
      der: new Uint8Array(attribute(session, object, pkcs11js.CKA_VALUE)),
      id: attribute(session, object, pkcs11js.CKA_ID).toString('hex'),
      label: attribute(session, object, pkcs11js.CKA_LABEL).toString('utf8'),
    })),
  );
  return { token: summary, certificates };
}

function hasPinTrouble(flags: number): boolean {
  return (
    (flags & (pkcs11js.CKF_USER_PIN_COUNT_LOW | pkcs11js.CKF_USER_PIN_FINAL_TRY | pkcs11js.CKF_USER_PIN_LOCKED)) !== 0
  );
}

function ulong(bytes: Buffer): number {
  return bytes.length === 0 ? -1 : bytes.readUIntLE(0, Math.min(bytes.length, 6));
}

/**
 * Signs `statement` with the card's private key `keyId`, in a session where the user is logged in.
 * EC keys: CKM_ECDSA over the SHA-256 of the statement (the raw mechanism every card offers);
 * RSA keys: CKM_SHA256_RSA_PKCS over the statement itself.
 */
function signPossession(session: Handle, keyId: string, statement: Uint8Array): Uint8Array {
  const m = module();
  const [key] = findObjects(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_ID, value: Buffer.from(keyId, 'hex') },
  ]);
  if (key === undefined) throw situation('no-card-key');
  const keyType = ulong(attribute(session, key, pkcs11js.CKA_KEY_TYPE));
  const data = Buffer.from(statement);
  const [mechanism, input] =
    keyType === pkcs11js.CKK_EC
      ? [pkcs11js.CKM_ECDSA, createHash('sha256').update(data).digest()]
      : keyType === pkcs11js.CKK_RSA
        ? [pkcs11js.CKM_SHA256_RSA_PKCS, data]
        : [undefined, data];
  if (mechanism === undefined) throw situation('no-card-key', `key type ${keyType} cannot sign`);
  at('prove', () => m.C_SignInit(session, { mechanism }, key));
  return new Uint8Array(at('prove', () => m.C_Sign(session, input, Buffer.alloc(1024))));
}

async function setPin(request: Extract<WorkerRequest, { op: 'set-pin' }>): Promise<WorkerResults['set-pin']> {
  let soCredential: Buffer | undefined;
  try {
    const { slot, summary } = findToken(request.token);
    // Checked here again (the agent checked before asking for the grant): the card may have been
    // swapped for one with the same label in between, and an SO login is never worth a guess.
    if (hasPinTrouble(summary.flags)) throw new Failure({ kind: 'token-flags', token: summary });
    const soTrouble = soPinTroubleOf(summary.flags);
    if (soTrouble !== undefined) throw situation(soTrouble);
    const length = request.newPin.byteLength;
    if (length < summary.minPinLength || length > summary.maxPinLength) {
      throw situation('new-pin-outside-token-bounds');
    }
    try {
      soCredential = await openGrant(request.sealed, request.oneTimeKey, request.context);
    } catch {
      throw situation('grant-unopenable');
    }
    const so = soCredential;
    const signature = withSession(slot, true, (session) => {
      withLogin(session, pkcs11js.CKU_SO, so, 'so-login', () =>
        at('init-pin', () => module().C_InitPIN(session, text(request.newPin))),
      );
      // The new PIN opens the card's key: the signature proves both that it was set and that
      // this card holds the registered certificate's key.
      return withLogin(session, pkcs11js.CKU_USER, request.newPin, 'prove', () =>
        signPossession(session, request.certificateId, request.possession),
      );
    });
    return { token: summaryOf(slot), signature };
  } finally {
    soCredential?.fill(0);
    request.newPin.fill(0);
  }
}

function finalize(): null {
  if (lib !== undefined) {
    try {
      lib.C_Finalize();
    } finally {
      lib = undefined;
    }
  }
  return null;
}

/** One handler per operation the worker serves; a request for any other is refused. */
export type WorkerOperations = {
  [Op in WorkerRequest['op']]?: (request: Extract<WorkerRequest, { op: Op }>) => unknown;
};

/** What every kiosk's worker does: list, read and describe tokens, set the PIN, finalize. */
export const CARD_OPERATIONS: WorkerOperations = {
  tokens: () => {
    if (lib !== undefined) reinitialize();
    return presentTokens().map(({ summary }) => summary);
  },
  read: (request) => read(request.token),
  info: (request) => findToken(request.token).summary,
  'set-pin': setPin,
  finalize,
};

/** Answers the agent's requests on this thread's port with `operations`, one at a time. */
export function serveWorker(operations: WorkerOperations): void {
  const port = parentPort;
  if (port === null) throw new Error('the PKCS#11 worker runs only as a worker thread');
  // Operations run one at a time, in arrival order: PKCS#11 sessions and logins are not shared
  // between calls, and an operation that awaits (opening a grant) must not let the next one in.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', ({ id, request }: { id: number; request: WorkerRequest }) => {
    queue = queue.then(async () => {
      let reply: WorkerReply;
      try {
        const operation = operations[request.op] as ((request: WorkerRequest) => unknown) | undefined;
        if (operation === undefined) throw new Failure({ kind: 'native', step: 'read', detail: `this worker does not serve ${request.op}` });
        reply = { id, ok: true, result: await operation(request) };
      } catch (error) {
        reply = { id, ok: false, failure: failureOf(error, 'read') };
      }
      port.postMessage(reply);
    });
  });
}
