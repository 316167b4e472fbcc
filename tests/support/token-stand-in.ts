// A stand-in for the PKCS#11 worker (card/token/token.client.ts's `call`), for the unit tests of the
// card agent's pieces (docs/testing.md, stand-ins). Each token is a label, its CK_TOKEN_INFO flags
// and PIN bounds, and a real X.509 certificate made with @peculiar/x509 for a key made with
// node:crypto. It records every call; `hold(op)` keeps the next call of that op waiting until the
// test lets it go. `failSetPin` makes set-pin fail as the worker would map a failure.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { TokenCalls } from '../../card/card-reader-view.ts';
import { PIN_FLAG_BITS } from '../../card/errors.ts';
import type { TokenCertificate, TokenSummary, WorkerRequest, WorkerResults } from '../../card/token/protocol.ts';
import type { ContractError } from '../../machines/contract/index.ts';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A business certificate as the card carries it: holder name (O) and UBN (serialNumber). */
export async function businessCertificate(holder: string, ubn: string): Promise<TokenCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a1b2c',
    name: new x509.Name([{ '2.5.4.6': ['TW'] }, { '2.5.4.10': [{ utf8String: holder }] }, { '2.5.4.5': [ubn] }]),
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2031-01-01T00:00:00Z'),
    signingAlgorithm: ALGORITHM,
    keys,
  });
  return { der: new Uint8Array(cert.rawData), id: '01', label: 'card certificate' };
}

export interface StandInToken {
  flags: number;
  minPinLength: number;
  maxPinLength: number;
  certificate: TokenCertificate;
}

export type Call = { op: WorkerRequest['op']; request: WorkerRequest; transfer: readonly Uint8Array[] };

export class TokenStandIn implements TokenCalls {
  readonly tokens = new Map<string, StandInToken>();
  readonly calls: Call[] = [];
  /** The new PIN as the worker received it, copied at the call (the buffer itself is zeroed after). */
  readonly pinsReceived: string[] = [];
  /** The buffers set-pin received, as the caller left them. */
  readonly pinBuffers: Uint8Array[] = [];
  failSetPin: ContractError | undefined;
  readonly #holds = new Map<string, { gate: Promise<void>; reached: () => void }>();

  async addCard(cardNumber: string, flags: number = PIN_FLAG_BITS.CKF_USER_PIN_INITIALIZED): Promise<StandInToken> {
    const token = { flags, minPinLength: 6, maxPinLength: 12, certificate: await businessCertificate('測試公司', '97969933') };
    this.tokens.set(cardNumber, token);
    return token;
  }

  /** The next call of `op` waits for the returned `release`; `reached` resolves when it is made. */
  hold(op: WorkerRequest['op']): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    this.#holds.set(op, { gate, reached });
    return { reached: reachedPromise, release };
  }

  opsCalled(): Array<WorkerRequest['op']> {
    return this.calls.map((call) => call.op);
  }

  call<Op extends WorkerRequest['op']>(request: Extract<WorkerRequest, { op: Op }>, transfer: readonly Uint8Array[] = []): Promise<WorkerResults[Op]> {
    this.calls.push({ op: request.op, request, transfer });
    const asked: WorkerRequest = request;
    if (asked.op === 'set-pin') {
      this.pinsReceived.push(new TextDecoder().decode(asked.newPin));
      this.pinBuffers.push(asked.newPin);
    }
    const held = this.#holds.get(request.op);
    this.#holds.delete(request.op);
    held?.reached();
    return (held?.gate ?? Promise.resolve()).then(() => this.#answer(request) as WorkerResults[Op]);
  }

  #answer(request: WorkerRequest): WorkerResults[WorkerRequest['op']] {
    if (!('token' in request) || request.token.by !== 'label') throw new Error(`stand-in: no answer for ${request.op}`);
    const cardNumber = request.token.label;
    const token = this.tokens.get(cardNumber);
    if (token === undefined) throw new Error(`stand-in: no token ${cardNumber}`);
    const summary: TokenSummary = {
      slot: '1',
      slotDescription: 'stand-in slot',
      label: cardNumber,
      serial: '0000000000000001',
      manufacturer: 'stand-in',
      model: 'stand-in',
      flags: token.flags,
      minPinLength: token.minPinLength,
      maxPinLength: token.maxPinLength,
    };
    switch (request.op) {
      case 'read':
        return { token: summary, certificates: [token.certificate] };
      case 'info':
        return summary;
      case 'set-pin':
        if (this.failSetPin !== undefined) throw this.failSetPin;
        return { token: summary, signature: new Uint8Array([1, 2, 3]) };
      default:
        throw new Error(`stand-in: no answer for ${request.op}`);
    }
  }
}
