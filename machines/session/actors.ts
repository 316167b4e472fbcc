// The effects the session machine names but never performs. The kiosk engine implements each one
// (over NATS to the card agent and the registry) and hands them in with
// `sessionMachine.provide({ actors })`; tests hand in fakes the same way.
//
// Every actor rejects with a `ContractError` (machines/contract/errors.ts) so that the machine can
// route the failure by its code. A registry that cannot be reached, or does not answer in time,
// rejects with code '3125'.
import { fromPromise, type PromiseActorLogic } from 'xstate';
import type {
  AcceptReply,
  ActivationPath,
  CardData,
  CompleteReply,
  IdentifyReply,
  PossessionProof,
  Selfcheck,
  VerifyReply,
} from '../contract/index.ts';

/** `kiosk.<kiosk>.card.selfcheck`. Never tries a PIN. */
export interface SelfcheckInput {
  /** true when a card should be in the reader (a session is starting), so the card and token checks count. */
  readonly expectCard: boolean;
}
export type SelfcheckOutput = Selfcheck;

/** `kiosk.<kiosk>.card.read`. */
export interface ReadCardInput {
  /** 'inserted': a new session; 'reinserted': checking that the card put back is the one we started with. */
  readonly reason: 'inserted' | 'reinserted';
}
export type ReadCardOutput = CardData;

/** `ra.activation.identify`: how the card was issued and where its record stands. */
export interface IdentifyCardInput {
  readonly cardNumber: string;
  readonly certSerial: string;
  /** The card's certificate key fingerprint; the registry refuses a card whose key is not the registered one. */
  readonly certificateKeySha256: string;
}
export type IdentifyCardOutput = IdentifyReply;

/**
 * `ra.activation.verify`. The engine adds its own `kioskId`. The user code, responsible ID and
 * birth date are secrets: the engine must not log or keep them.
 */
export type VerifyIdentityInput =
  | {
      readonly cardNumber: string;
      readonly certSerial: string;
      readonly route: Extract<ActivationPath, 'self-applied'>;
      readonly userCode: string;
    }
  | {
      readonly cardNumber: string;
      readonly certSerial: string;
      readonly route: Extract<ActivationPath, 'registration-bundled'>;
      readonly responsibleId: string;
      /** ISO `YYYY-MM-DD` (Gregorian), already converted from the ROC calendar. */
      readonly birthDate?: string;
    };
/** `acceptedAt` is set when the record was already accepted: the user goes straight to the PIN. */
export type VerifyIdentityOutput = VerifyReply;

/**
 * `ra.activation.accept`. Idempotent at the registry: the machine resends the same request after a
 * 3125 and gets the same `acceptedAt`. `newUserCode` is a secret.
 */
export interface AcceptCertificateInput {
  readonly activationId: string;
  readonly contactEmail?: string;
  readonly newUserCode?: string;
}
export type AcceptCertificateOutput = AcceptReply;

/**
 * `kiosk.<kiosk>.card.set-pin`; the card agent fetches the PIN grant itself, sets the PIN and has
 * the card sign the grant's nonce. It does not tell the registry: `completeActivation` does.
 * `newPin` is a secret.
 */
export interface SetPinInput {
  readonly activationId: string;
  readonly newPin: string;
}
export interface SetPinOutput {
  readonly at: string;
  /** What `complete` needs: the card's public key and its signature over the grant's nonce. */
  readonly proof: PossessionProof;
}

/**
 * `ra.activation.complete`: the PIN is set; the registry records the card as activated. Idempotent
 * for the activation that completed it, so the machine resends it until the registry answers.
 */
export interface CompleteActivationInput {
  readonly activationId: string;
  readonly cardNumber: string;
  readonly proof: PossessionProof;
}
export type CompleteActivationOutput = CompleteReply;

// A type alias, not an interface: setup() wants an index-signature-compatible record.
export type SessionActorLogic = {
  selfcheck: PromiseActorLogic<SelfcheckOutput, SelfcheckInput>;
  readCard: PromiseActorLogic<ReadCardOutput, ReadCardInput>;
  identifyCard: PromiseActorLogic<IdentifyCardOutput, IdentifyCardInput>;
  verifyIdentity: PromiseActorLogic<VerifyIdentityOutput, VerifyIdentityInput>;
  acceptCertificate: PromiseActorLogic<AcceptCertificateOutput, AcceptCertificateInput>;
  setPin: PromiseActorLogic<SetPinOutput, SetPinInput>;
  completeActivation: PromiseActorLogic<CompleteActivationOutput, CompleteActivationInput>;
};

/** What a real implementation of each named actor looks like: a function of its input. */
export interface SessionEffects {
  selfcheck(input: SelfcheckInput, signal: AbortSignal): Promise<SelfcheckOutput>;
  readCard(input: ReadCardInput, signal: AbortSignal): Promise<ReadCardOutput>;
  identifyCard(input: IdentifyCardInput, signal: AbortSignal): Promise<IdentifyCardOutput>;
  verifyIdentity(input: VerifyIdentityInput, signal: AbortSignal): Promise<VerifyIdentityOutput>;
  acceptCertificate(input: AcceptCertificateInput, signal: AbortSignal): Promise<AcceptCertificateOutput>;
  setPin(input: SetPinInput, signal: AbortSignal): Promise<SetPinOutput>;
  completeActivation(input: CompleteActivationInput, signal: AbortSignal): Promise<CompleteActivationOutput>;
}

/**
 * Wraps plain async functions as the machine's named actors, for `.provide({ actors })`. The
 * signal aborts when the machine leaves the state that invoked the actor (card removed, staff
 * abort), so an implementation can stop waiting on a reply nobody needs.
 */
export function sessionActorsFrom(effects: SessionEffects): SessionActorLogic {
  return {
    selfcheck: fromPromise(({ input, signal }) => effects.selfcheck(input, signal)),
    readCard: fromPromise(({ input, signal }) => effects.readCard(input, signal)),
    identifyCard: fromPromise(({ input, signal }) => effects.identifyCard(input, signal)),
    verifyIdentity: fromPromise(({ input, signal }) => effects.verifyIdentity(input, signal)),
    acceptCertificate: fromPromise(({ input, signal }) => effects.acceptCertificate(input, signal)),
    setPin: fromPromise(({ input, signal }) => effects.setPin(input, signal)),
    completeActivation: fromPromise(({ input, signal }) => effects.completeActivation(input, signal)),
  };
}

function notProvided(name: keyof SessionActorLogic): never {
  throw new Error(`session actor '${name}' was not provided: supply it with sessionMachine.provide({ actors })`);
}

/** The placeholders `setup()` declares; using the machine without providing real actors fails loudly. */
export const unprovidedActors: SessionActorLogic = {
  selfcheck: fromPromise<SelfcheckOutput, SelfcheckInput>(async () => notProvided('selfcheck')),
  readCard: fromPromise<ReadCardOutput, ReadCardInput>(async () => notProvided('readCard')),
  identifyCard: fromPromise<IdentifyCardOutput, IdentifyCardInput>(async () => notProvided('identifyCard')),
  verifyIdentity: fromPromise<VerifyIdentityOutput, VerifyIdentityInput>(async () => notProvided('verifyIdentity')),
  acceptCertificate: fromPromise<AcceptCertificateOutput, AcceptCertificateInput>(async () =>
    notProvided('acceptCertificate'),
  ),
  setPin: fromPromise<SetPinOutput, SetPinInput>(async () => notProvided('setPin')),
  completeActivation: fromPromise<CompleteActivationOutput, CompleteActivationInput>(async () =>
    notProvided('completeActivation'),
  ),
};
