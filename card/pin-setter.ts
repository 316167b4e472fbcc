// `card.set-pin` (docs/card-agent.md, "card.set-pin"): the card's PIN flags checked on the token
// now, the SO credential asked of the registry for a one-time key the agent key signed, the SO
// login and C_InitPIN in the worker, and a failed (or refused) SO login reported so that no kiosk
// tries this card's SO credential again. One set-pin at a time: each releases a grant and logs in
// as SO. Every set-pin, done or not, drops the card readings (the card's PIN flags changed).
import type { KeyObject } from 'node:crypto';
import {
  ContractError,
  type PinGrantReply,
  type PinGrantRequest,
  type SetPinReply,
  type SoLoginFailedRequest,
} from '../machines/contract/index.ts';
import { grantKeyStatement, possessionStatement, signWithAgentKey, soReportStatement } from '../platform/card-proofs.ts';
import type { Logger } from '../platform/log.ts';
import { generateOneTimeKeyPair, pinGrantContext, type OneTimeKeyPair } from '../platform/pin-grant-jwe.ts';
import type { CardReaderView, TokenCalls } from './card-reader-view.ts';
import { pinFlagsError, pinFlagsOf, rawCauseOf, situationError, soPinTroubleOf } from './errors.ts';
import type { ReaderState } from './readers/reader.ts';
import type { SoLoginReports } from './so-login-reports.ts';
import { secretBytes } from './token/token.client.ts';

export interface PinSetterOptions {
  kioskId: string;
  view: CardReaderView;
  token: TokenCalls;
  /** The agent's enrolled signing key: the registry grants SO credentials only to what it signed. */
  agentKey: KeyObject;
  /** `ra.activation.pin-grant.<kiosk>`: the registry's per-kiosk subject. */
  requestGrant: (request: PinGrantRequest) => Promise<PinGrantReply>;
  soLoginReports: Pick<SoLoginReports, 'report'>;
  log: Logger;
}

export class PinSetter {
  readonly #options: PinSetterOptions;
  /** Card numbers whose SO login failed since start: never tried again (a wrong SO PIN locks cards). */
  readonly #soLoginFailed = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: PinSetterOptions) {
    this.#options = options;
  }

  /** Sets `newPin` on the card in the reader, after every set-pin asked for before it. */
  setPin(activationId: string, newPin: string): Promise<SetPinReply> {
    const run = this.#queue.then(() => this.#setPin(activationId, newPin)).finally(() => this.#options.view.forget());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves once no set-pin is running or waiting. */
  async idle(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.#queue;
      await seen;
    } while (seen !== this.#queue);
  }

  async #setPin(activationId: string, newPin: string): Promise<SetPinReply> {
    const { view, token } = this.#options;
    const reader = view.cardInReader();
    const selector = view.selectorFor(reader);
    // The certificate and its key from the insertion's reading; the PIN flags from the token now
    // (token info only, no session): a flag a PIN attempt left since insertion still stops us here,
    // before any grant is asked for. The worker checks them once more before the SO login.
    const reading = await view.readingOf(reader);
    const info = token.call({ op: 'info', token: selector });
    // Awaited below; this only keeps a failure from counting as unhandled should the key throw first.
    info.catch(() => undefined);
    // While the worker wakes and reads the flags: the one-time key and the agent key's signature
    // over it, which name neither the card nor anything the flags decide. Refused, both are dropped.
    const grantKey = this.#signedOneTimeKey(activationId);
    const summary = await info;
    const cardNumber = view.cardNumberOf(summary);
    if (cardNumber !== reading.card.cardNumber) throw situationError('no-card');
    if (this.#soLoginFailed.has(cardNumber)) throw situationError('so-login-failed-before');
    const flagsProblem = pinFlagsError(pinFlagsOf(summary.flags, summary.minPinLength, summary.maxPinLength));
    if (flagsProblem !== undefined) throw flagsProblem;
    const soTrouble = soPinTroubleOf(summary.flags);
    if (soTrouble !== undefined) {
      await this.#reportSoLoginFailed(activationId, cardNumber, soTrouble);
      throw situationError(soTrouble);
    }
    const pin = secretBytes(newPin);
    let signature: Uint8Array;
    try {
      if (pin.byteLength < summary.minPinLength || pin.byteLength > summary.maxPinLength) {
        throw situationError('new-pin-outside-token-bounds');
      }
      // NATS permissions on the per-kiosk subject, not a body field, say which kiosk asks for the
      // grant (docs/security.md, "PIN grants only to that key"); the agent key's signature says the
      // one-time key is this kiosk's agent's, for this activation.
      const { oneTimeKey, agentKeySignature } = grantKey;
      const grant = await this.#options.requestGrant({ activationId, cardNumber, agentPublicKey: oneTimeKey.publicKey, agentKeySignature });
      this.#stillInsertedOrThrow(reader);
      try {
        ({ signature } = await token.call(
          {
            op: 'set-pin',
            token: selector,
            sealed: grant.sealed,
            oneTimeKey,
            context: pinGrantContext(activationId, cardNumber),
            newPin: pin,
            certificateId: reading.certificate.id,
            possession: new Uint8Array(possessionStatement(activationId, cardNumber, grant.proofNonce)),
          },
          [pin],
        ));
      } catch (error) {
        if (error instanceof ContractError && rawCauseOf(error)?.step === 'so-login') {
          await this.#reportSoLoginFailed(activationId, cardNumber, 'wrong-so-credential');
        }
        this.#stillInsertedOrThrow(reader);
        throw error;
      }
    } finally {
      // Posted to the worker, the buffer is detached (length 0) and the worker zeroes its copy.
      if (pin.byteLength > 0) pin.fill(0);
    }
    // The PIN is set on the card from here on, removed or not. The engine tells the registry
    // (`complete`, retried until it answers): the card's signature over the registry's nonce
    // proves it is the registered card (docs/card-agent.md).
    this.#options.log.info('card PIN set', { cardNumber });
    return {
      ok: true,
      at: new Date().toISOString(),
      proof: { publicKey: Buffer.from(reading.publicKey).toString('base64url'), signature: Buffer.from(signature).toString('base64url') },
    };
  }

  /** A one-time X25519 key for the grant's JWE, and the enrolled agent key's signature over it for this activation. */
  #signedOneTimeKey(activationId: string): { oneTimeKey: OneTimeKeyPair; agentKeySignature: string } {
    const oneTimeKey = generateOneTimeKeyPair();
    const statement = grantKeyStatement(activationId, this.#options.kioskId, oneTimeKey.publicKey);
    return { oneTimeKey, agentKeySignature: signWithAgentKey(this.#options.agentKey, statement) };
  }

  #stillInsertedOrThrow(reader: ReaderState): void {
    if (!this.#options.view.stillInserted(reader)) throw situationError('card-removed-during-set-pin');
  }

  /**
   * Tells the registry that an SO login failed (or was refused on the token's SO PIN flags), so
   * that no kiosk asks for this card's SO credential again until staff act. The report is kept in
   * DATA_DIR and sent again until the registry confirms it (so-login-reports.ts); meanwhile this
   * agent refuses the card itself until it restarts.
   */
  async #reportSoLoginFailed(activationId: string, cardNumber: string, problem: SoLoginFailedRequest['problem']): Promise<void> {
    this.#soLoginFailed.add(cardNumber);
    await this.#options.soLoginReports.report({
      activationId,
      cardNumber,
      problem,
      agentKeySignature: signWithAgentKey(this.#options.agentKey, soReportStatement(activationId, this.#options.kioskId, cardNumber, problem)),
    });
  }
}
