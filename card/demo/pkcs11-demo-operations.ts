// What demo provisioning asks of PKCS#11 beside the card operations: make a token, a key pair on
// it (EC P-256 or RSA-2048), write its certificate, and check a PIN (docs/card-agent.md, "Demo cards"). Runs in the demo
// worker only (pkcs11-demo.worker.ts); the production worker refuses these operations.
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import {
  at,
  attribute,
  Failure,
  failureOf,
  findToken,
  module,
  P256_PARAMS,
  presentTokens,
  reinitialize,
  summaryOf,
  text,
  withLogin,
  withSession,
  type Handle,
  type WorkerOperations,
} from '../token/pkcs11-operations.ts';
import type { CardKeyType, WorkerRequest, WorkerResults } from '../token/protocol.ts';

function createToken(request: Extract<WorkerRequest, { op: 'create-token' }>): WorkerResults['create-token'] {
  try {
    reinitialize();
    if (presentTokens().some(({ summary }) => summary.label === request.label)) {
      throw new Failure({ kind: 'native', step: 'provision', detail: `a token labelled ${request.label} already exists` });
    }
    const m = module();
    const free = at('provision', () => m.C_GetSlotList(true)).find(
      (slot) => (at('provision', () => m.C_GetTokenInfo(slot)).flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0,
    );
    if (free === undefined) throw new Failure({ kind: 'native', step: 'provision', detail: 'no free slot' });
    // pkcs11js passes the label as a C string; CK_TOKEN_INFO wants exactly 32 bytes, blank padded.
    const label = Buffer.alloc(32, ' ');
    if (label.write(request.label, 'utf8') < Buffer.byteLength(request.label)) {
      throw new Failure({ kind: 'native', step: 'provision', detail: 'a token label is at most 32 bytes' });
    }
    at('provision', () => m.C_InitToken(free, text(request.soPin), label.toString('utf8')));
    // SoftHSM2 moves an initialised token to a slot id of its own, visible after re-initialising.
    reinitialize();
    const { slot } = findToken({ by: 'label', label: request.label });
    withSession(slot, true, (session) =>
      withLogin(session, pkcs11js.CKU_SO, request.soPin, 'provision', () =>
        at('provision', () => m.C_InitPIN(session, text(request.userPin))),
      ),
    );
    return summaryOf(slot);
  } finally {
    request.soPin.fill(0);
    request.userPin.fill(0);
  }
}

/** CKA_EC_POINT is a DER OCTET STRING around the point; return the point. */
function unwrapOctetString(der: Buffer): Uint8Array {
  if (der[0] !== 0x04) return new Uint8Array(der);
  const first = der[1] ?? 0;
  const headerLength = first < 0x80 ? 2 : 2 + (first & 0x7f);
  return new Uint8Array(der.subarray(headerLength));
}

/** The public key the token made, as SubjectPublicKeyInfo DER (what certificates and the registry use). */
function publicKeySpki(session: Handle, publicKey: Handle, keyType: CardKeyType): Uint8Array {
  const jwk: JsonWebKey =
    keyType === 'rsa-2048'
      ? {
          kty: 'RSA',
          n: attribute(session, publicKey, pkcs11js.CKA_MODULUS).toString('base64url'),
          e: attribute(session, publicKey, pkcs11js.CKA_PUBLIC_EXPONENT).toString('base64url'),
        }
      : (() => {
          const point = unwrapOctetString(attribute(session, publicKey, pkcs11js.CKA_EC_POINT));
          return { kty: 'EC', crv: 'P-256', x: Buffer.from(point.subarray(1, 33)).toString('base64url'), y: Buffer.from(point.subarray(33, 65)).toString('base64url') };
        })();
  return new Uint8Array(createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' }));
}

/** The key-type-specific parts of the two templates; CKA_ID, label and usage flags are common. */
function keyTemplates(keyType: CardKeyType): { mechanism: number; publicKey: pkcs11js.Template; privateKey: pkcs11js.Template } {
  if (keyType === 'rsa-2048') {
    return {
      mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN,
      publicKey: [
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
        { type: pkcs11js.CKA_MODULUS_BITS, value: 2048 },
        { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([0x01, 0x00, 0x01]) },
      ],
      privateKey: [{ type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA }],
    };
  }
  return {
    mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN,
    publicKey: [
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
      { type: pkcs11js.CKA_EC_PARAMS, value: P256_PARAMS },
    ],
    privateKey: [{ type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC }],
  };
}

function generateKey(request: Extract<WorkerRequest, { op: 'generate-key' }>): WorkerResults['generate-key'] {
  try {
    const { slot } = findToken(request.token);
    const m = module();
    const id = Buffer.from(request.id, 'hex');
    const keyType = request.keyType ?? 'ec-p256';
    const templates = keyTemplates(keyType);
    return withSession(slot, true, (session) =>
      withLogin(session, pkcs11js.CKU_USER, request.userPin, 'provision', () => {
        const keys = at('provision', () =>
          m.C_GenerateKeyPair(
            session,
            { mechanism: templates.mechanism },
            [
              { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
              ...templates.publicKey,
              { type: pkcs11js.CKA_TOKEN, value: true },
              { type: pkcs11js.CKA_PRIVATE, value: false },
              { type: pkcs11js.CKA_VERIFY, value: true },
              { type: pkcs11js.CKA_ID, value: id },
              { type: pkcs11js.CKA_LABEL, value: request.label },
            ],
            [
              { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
              ...templates.privateKey,
              { type: pkcs11js.CKA_TOKEN, value: true },
              { type: pkcs11js.CKA_PRIVATE, value: true },
              { type: pkcs11js.CKA_SENSITIVE, value: true },
              { type: pkcs11js.CKA_EXTRACTABLE, value: false },
              { type: pkcs11js.CKA_SIGN, value: true },
              { type: pkcs11js.CKA_ID, value: id },
              { type: pkcs11js.CKA_LABEL, value: request.label },
            ],
          ),
        );
        return { publicKey: publicKeySpki(session, keys.publicKey, keyType) };
      }),
    );
  } finally {
    request.userPin.fill(0);
  }
}

function writeCertificate(request: Extract<WorkerRequest, { op: 'write-certificate' }>): WorkerResults['write-certificate'] {
  try {
    const { slot } = findToken(request.token);
    const m = module();
    withSession(slot, true, (session) =>
      withLogin(session, pkcs11js.CKU_USER, request.userPin, 'provision', () =>
        at('provision', () =>
          m.C_CreateObject(session, [
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
            { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
            { type: pkcs11js.CKA_TOKEN, value: true },
            { type: pkcs11js.CKA_PRIVATE, value: false },
            { type: pkcs11js.CKA_ID, value: Buffer.from(request.id, 'hex') },
            { type: pkcs11js.CKA_LABEL, value: request.label },
            { type: pkcs11js.CKA_SUBJECT, value: Buffer.from(request.subject) },
            { type: pkcs11js.CKA_ISSUER, value: Buffer.from(request.issuer) },
            { type: pkcs11js.CKA_SERIAL_NUMBER, value: Buffer.from(request.serialNumber) },
            { type: pkcs11js.CKA_VALUE, value: Buffer.from(request.der) },
          ]),
        ),
      ),
    );
    return { token: summaryOf(slot) };
  } finally {
    request.userPin.fill(0);
  }
}

function userLogin(request: Extract<WorkerRequest, { op: 'user-login' }>): WorkerResults['user-login'] {
  try {
    const { slot } = findToken(request.token);
    const outcome = withSession(slot, false, (session): { accepted: boolean; rejectedWith?: string } => {
      try {
        withLogin(session, pkcs11js.CKU_USER, request.pin, 'read', () => undefined);
        return { accepted: true };
      } catch (error) {
        const failure = failureOf(error, 'read');
        if (failure.kind === 'pkcs11') return { accepted: false, rejectedWith: failure.name };
        throw error;
      }
    });
    return { ...outcome, token: summaryOf(slot) };
  } finally {
    request.pin.fill(0);
  }
}

export const DEMO_OPERATIONS: WorkerOperations = {
  'create-token': createToken,
  'generate-key': generateKey,
  'write-certificate': writeCertificate,
  'user-login': userLogin,
};
