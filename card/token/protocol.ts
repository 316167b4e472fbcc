// The messages between the card agent and its PKCS#11 worker thread. pkcs11js calls block (seconds
// on a real card), so they all run in one worker; the agent's event loop only posts requests and
// awaits replies. Every request carries an `id`; the worker answers each with the same `id`, in
// order, one at a time: the token never sees two operations interleaved.
//
// Secrets (new PIN, SO credential, user PIN) cross this boundary only as `Uint8Array`s in the
// transfer list, so the sender's copy is detached the moment it is posted; the worker zeroes its
// copy when the call is done.
import type { KeyObject } from 'node:crypto';
import type { Pkcs11Step, Situation } from '../errors.ts';

/** The key pairs demo provisioning can generate on a token. */
export const CARD_KEY_TYPES = ['ec-p256', 'rsa-2048'] as const;
export type CardKeyType = (typeof CARD_KEY_TYPES)[number];

/** Which token a request is about. */
export type TokenSelector =
  /** The demo and test tokens (SoftHSM2): the card number is the token label. */
  | { by: 'label'; label: string }
  /** A vendor module whose tokens carry the card number as their serial. */
  | { by: 'serial'; serial: string }
  /** A vendor module: the token in the slot named after the PC/SC reader. */
  | { by: 'slot-description'; text: string };

/** What CK_SLOT_INFO and CK_TOKEN_INFO say about one token (no handles, no secrets). */
export interface TokenSummary {
  /** The slot id as hex, for logs and `pkcs11-tool --slot`. */
  slot: string;
  slotDescription: string;
  label: string;
  serial: string;
  manufacturer: string;
  model: string;
  flags: number;
  minPinLength: number;
  maxPinLength: number;
}

export interface TokenCertificate {
  der: Uint8Array;
  /** CKA_ID, hex. */
  id: string;
  label: string;
}

export type WorkerRequest =
  /** Every token present now (the module is re-initialised first, so new tokens appear). */
  | { op: 'tokens' }
  /** Token info and every X.509 certificate object; no login. */
  | { op: 'read'; token: TokenSelector }
  /** Token info only; no session, no login. */
  | { op: 'info'; token: TokenSelector }
  /**
   * Opens the sealed SO credential, checks the new PIN against the token's bounds and its user and
   * SO PIN flags, then C_Login(SO) once, C_InitPIN, C_Logout. Never retried. Then logs in as the
   * user with the new PIN and signs `possession` with the private key whose CKA_ID is
   * `certificateId` (the registry's proof of possession for `complete`).
   */
  | {
      op: 'set-pin';
      token: TokenSelector;
      sealed: string;
      oneTimeKey: { publicKey: string; privateKey: KeyObject };
      context: string;
      newPin: Uint8Array;
      certificateId: string;
      possession: Uint8Array;
    }
  // Provisioning (demo cards and tests only).
  /** C_InitToken on the free slot with the SO credential, then SO login + C_InitPIN(userPin). */
  | { op: 'create-token'; label: string; soPin: Uint8Array; userPin: Uint8Array }
  /**
   * User login, a key pair on the token (private key sensitive, never extractable): EC P-256 unless
   * `keyType` says RSA-2048, the key real MOEACA cards carry.
   */
  | { op: 'generate-key'; token: TokenSelector; userPin: Uint8Array; id: string; label: string; keyType?: CardKeyType }
  /** User login, a certificate object (CKO_CERTIFICATE, CKC_X_509) next to the key with the same id. */
  | {
      op: 'write-certificate';
      token: TokenSelector;
      userPin: Uint8Array;
      id: string;
      label: string;
      der: Uint8Array;
      subject: Uint8Array;
      issuer: Uint8Array;
      serialNumber: Uint8Array;
    }
  /** One user login with `pin`, logged out again; answers whether it was accepted. */
  | { op: 'user-login'; token: TokenSelector; pin: Uint8Array }
  /** C_Finalize, before the worker is terminated. */
  | { op: 'finalize' };

export interface WorkerResults {
  tokens: TokenSummary[];
  read: { token: TokenSummary; certificates: TokenCertificate[] };
  info: TokenSummary;
  /** `signature`: the card's signature over `possession` (ECDSA r‖s, or RSA PKCS#1 v1.5). */
  'set-pin': { token: TokenSummary; signature: Uint8Array };
  'create-token': TokenSummary;
  /** The new public key as a SubjectPublicKeyInfo (DER), built from CKA_EC_POINT or CKA_MODULUS/CKA_PUBLIC_EXPONENT. */
  'generate-key': { publicKey: Uint8Array };
  'write-certificate': { token: TokenSummary };
  'user-login': { accepted: boolean; rejectedWith?: string; token: TokenSummary };
  finalize: null;
}

/** A failure as the worker reports it: raw, to be mapped by `card/errors.ts` on the agent's side. */
export type WorkerFailure =
  | { kind: 'pkcs11'; value: number; name: string; step: Pkcs11Step }
  /** The token's user-PIN flags forbid setting a PIN on a card being activated (27011). */
  | { kind: 'token-flags'; token: TokenSummary }
  | { kind: 'situation'; situation: Situation; detail?: string }
  | { kind: 'native'; step: Pkcs11Step; detail: string };

export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; failure: WorkerFailure };

export interface WorkerSetup {
  modulePath: string;
}
