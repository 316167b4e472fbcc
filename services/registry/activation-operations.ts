// The activation operations: what identify, verify, accept, pin-grant, complete and
// so-login-failed do, on decoded requests, in terms of the card lifecycle (card-record.ts) and the
// ledger (card-ledger.ts). registry.service.ts wires them to NATS subjects; everything here throws
// a ContractError to refuse.
import { createHash, randomBytes } from 'node:crypto';
import type * as v from 'valibot';
import {
  ContractError,
  type AcceptReply,
  type AcceptRequestSchema,
  type CompleteReply,
  type CompleteRequestSchema,
  type IdentifyReply,
  type IdentifyRequestSchema,
  type PinGrantReply,
  type PinGrantRequestSchema,
  type SoLoginFailedRequest,
  type VerifyReply,
  type VerifyRequest,
} from '../../machines/contract/index.ts';
import { readBirthDate } from '../../machines/contract/fields.ts';
import { checkPersonalId, isValidEmail, isValidUserCode, normalizeInput } from '../../machines/validators/index.ts';
import { pinGrantContext, sealGrant } from '../../platform/pin-grant-jwe.ts';
import {
  grantKeyStatement,
  possessionStatement,
  publicKeySha256,
  soReportStatement,
  verifyAgentSignature,
  verifyCardSignature,
} from '../../platform/card-proofs.ts';
import {
  attemptsLeft,
  checkGrantable,
  checkVerifiable,
  effectiveStatus,
  normalizeSerial,
  recordAcceptance,
  recordCompletion,
  recordGrant,
  recordSoLoginFailed,
  refuseIfSoLoginFailed,
  recordVerification,
  recordWrongAttempt,
  type CardRecord,
  type Change,
} from './card-record.ts';
import { agentKeyKey, type AgentKeyRecord, type CardLedger, type RequestContext } from './card-ledger.ts';
import type { KioskLimiter } from './kiosk-rate-limit.ts';
import { hashUserCode, verifyUserCode, type RegistrySecrets, type ScryptCost } from './registry-secrets.ts';
import type { Versioned } from './registry-store.ts';

// An activation id names its card, so accept needs no lookup; the random part makes it unguessable.
const ACTIVATION_ID = /^([A-Z0-9]{4,32})\.([A-Za-z0-9_-]{24})$/;

function newActivationId(cardNumber: string): string {
  return `${cardNumber}.${randomBytes(18).toString('base64url')}`;
}

/** What is stored and logged in place of an activation id. */
export function activationRef(activationId: string): string {
  return createHash('sha256').update(activationId).digest('hex').slice(0, 32);
}

function parseActivationId(activationId: string): { cardNumber: string; ref: string } {
  const match = ACTIVATION_ID.exec(activationId);
  if (!match) throw new ContractError('SESSION_EXPIRED', 'unknown activation: start again');
  return { cardNumber: match[1] as string, ref: activationRef(activationId) };
}

export interface ActivationParts {
  readonly secrets: RegistrySecrets;
  readonly limiter: KioskLimiter;
  /** How long an activation lives after its verify. */
  readonly ttlMs: number;
  readonly scryptCost: ScryptCost;
  /** PIN grants one activation may release. */
  readonly maxGrants: number;
}

export class ActivationOperations {
  constructor(
    private readonly ledger: CardLedger,
    private readonly parts: ActivationParts,
  ) {}

  async identify(request: v.InferOutput<typeof IdentifyRequestSchema>, context: RequestContext): Promise<IdentifyReply> {
    context.card(request.cardNumber);
    requireSameKiosk(context, request.kioskId);
    // From the view: a status a moment old is fine here, every later step checks again. Neither
    // way opens the record: identify's facts travel in clear beside it (card-facts.ts).
    const record = this.ledger.viewedFacts(request.cardNumber) ?? (await this.ledger.readFacts(request.cardNumber));
    if (!record || record.certSerial !== normalizeSerial(request.certSerial)) {
      throw new ContractError('UNKNOWN_CARD', 'the registry knows no such card with this certificate');
    }
    if (record.certificateKeySha256 !== request.certificateKeySha256) {
      throw new ContractError('CARD_MISMATCH', "the card's certificate key is not the one registered for this card");
    }
    return { route: record.route, status: effectiveStatus(record, this.ledger.clock()), attemptsLeft: attemptsLeft(record) };
  }

  async verify(request: VerifyRequest, context: RequestContext): Promise<VerifyReply> {
    context.card(request.cardNumber);
    requireSameKiosk(context, request.kioskId);
    if (context.kiosk === undefined) context.note('kiosk', request.kioskId);
    const now = this.ledger.clock();
    const matches = this.secretCheck(request, now);
    // Busy is answered before the kiosk's token is taken and given back (two writes for nothing).
    if (this.parts.limiter.comparisons.full) throw new ContractError('3125', 'the registry is busy comparing secrets: try again shortly');
    // The token is taken before the comparison and given back only when the secret matched, so
    // parallel verifies cannot all pass the check before the first wrong one is charged. The card
    // is read meanwhile (both requests leave in one socket write); nothing is compared before both.
    const admitting = this.parts.limiter.admit(request.kioskId, now);
    const reading = this.ledger.readCard(request.cardNumber);
    reading.catch(() => undefined); // a failed read is answered below, after the admission's refusal
    const admission = await admitting;
    let comparedWrong = false;
    let refunded: Promise<void> | undefined;
    try {
      const found = withSerial(await reading, request.certSerial);
      checkVerifiable(found.value, request.route, now);

      if (!(await this.parts.limiter.comparisons.run(() => matches(found.value)))) {
        comparedWrong = true;
        const failed = await this.ledger.changeCard(request.cardNumber, found, (current) => {
          const wrong = recordWrongAttempt(current, request.kioskId, now);
          return { write: wrong, result: wrong };
        });
        throw failed.reply;
      }
      // Right: the token goes back while the activation is written (again one socket write for both).
      refunded = admission.refund().catch(() => undefined);
      return await this.startActivation(request, found, now);
    } finally {
      // Only a wrong secret costs the token; an unknown card, a refused status or a busy
      // registry compared nothing.
      if (!comparedWrong) await (refunded ?? admission.refund().catch(() => undefined));
      admission.release();
    }
  }

  private async startActivation(request: VerifyRequest, found: Versioned<CardRecord>, now: Date): Promise<VerifyReply> {
    const activationId = newActivationId(request.cardNumber);
    const ref = activationRef(activationId);
    const expiresAt = new Date(now.getTime() + this.parts.ttlMs).toISOString();
    const change = await this.ledger.changeCard(request.cardNumber, found, (current) => {
      const verified = recordVerification(current, { ref, kioskId: request.kioskId, expiresAt }, now);
      return { write: verified, result: verified };
    });
    const acceptedAt = change.record.status === 'accepted' ? change.record.accepted?.at : undefined;
    return { activationId, expiresAt, ...(acceptedAt === undefined ? {} : { acceptedAt }) };
  }

  /**
   * Format checks first (they cost no attempt: a malformed entry is a typing slip the kiosk should
   * have caught), then a matcher for the record's stored secret.
   */
  private secretCheck(request: VerifyRequest, now: Date): (record: CardRecord) => Promise<boolean> {
    if (request.route === 'self-applied') {
      const userCode = normalizeInput(request.userCode);
      if (!isValidUserCode(userCode)) throw new ContractError('USER_CODE_FORMAT', 'a user code is 6–10 letters, digits or symbols');
      return async (record) => record.userCodeHash !== undefined && (await verifyUserCode(userCode, record.userCodeHash));
    }
    // One rule for every ID (machines/validators): a national or resident ID, or any 6–20
    // letters and digits the user confirmed after the checksum warning; all compared as the MAC
    // of the normalised form.
    const id = checkPersonalId(request.responsibleId);
    if (!id.formatOk) throw new ContractError('ID_FORMAT', 'the responsible person\'s ID is not 6–20 letters and digits');
    let birthDate: string | undefined;
    if (request.birthDate !== undefined) {
      const parsed = readBirthDate(request.birthDate, now);
      if (!parsed.ok) throw new ContractError(parsed.code, 'the birth date is not a valid date');
      birthDate = parsed.iso;
    }
    const idMac = this.parts.secrets.macResponsibleId(id.normalized);
    const birthMac = birthDate === undefined ? undefined : this.parts.secrets.macBirthDate(birthDate);
    return async (record) => {
      // A record that holds a birth date needs one: asked for, never counted as a wrong attempt.
      if (record.birthDateMac !== undefined && birthMac === undefined) {
        throw new ContractError('BIRTH_DATE_REQUIRED', 'this card\'s record needs the responsible person\'s birth date');
      }
      if (record.responsibleIdMac === undefined || !this.parts.secrets.sameMac(record.responsibleIdMac, idMac)) return false;
      if (record.birthDateMac === undefined) return true;
      return birthMac !== undefined && this.parts.secrets.sameMac(record.birthDateMac, birthMac);
    };
  }

  async accept(request: v.InferOutput<typeof AcceptRequestSchema>, context: RequestContext): Promise<AcceptReply> {
    const { cardNumber, ref } = parseActivationId(request.activationId);
    context.card(cardNumber);
    const now = this.ledger.clock();
    return this.ledger.onCard(cardNumber, async (read) => {
      const found = activationCard(read, ref, context);
      const details = this.acceptanceInput(found.value, request);

      // Decide on the record as read before paying for a hash: repeats and refusals need none.
      // (Without a hash to pay for, the compare-and-set below decides once, on the same record.)
      if (details.newUserCode !== undefined) {
        const preview = recordAcceptance(found.value, ref, now, {});
        if (!preview.change) return { acceptedAt: preview.result };
      }

      const userCodeHash = details.newUserCode === undefined ? undefined : await hashUserCode(details.newUserCode, this.parts.scryptCost);
      const outcome = await this.ledger.changeCard(cardNumber, found, (current) => {
        const accepted = recordAcceptance(current, ref, now, {
          ...(details.contactEmail === undefined ? {} : { contactEmail: details.contactEmail }),
          ...(userCodeHash === undefined ? {} : { userCodeHash }),
        });
        return { ...(accepted.change ? { write: accepted.change } : {}), result: accepted.result };
      });
      return { acceptedAt: outcome };
    });
  }

  private acceptanceInput(
    record: CardRecord,
    request: v.InferOutput<typeof AcceptRequestSchema>,
  ): { contactEmail?: string; newUserCode?: string } {
    if (record.route === 'self-applied') {
      if (request.contactEmail !== undefined || request.newUserCode !== undefined) {
        throw new ContractError('BAD_REQUEST', 'a self-applied card takes no contact e-mail or new user code at acceptance');
      }
      return {};
    }
    if (request.contactEmail === undefined || request.newUserCode === undefined) {
      throw new ContractError('BAD_REQUEST', 'a registration-bundled card needs contactEmail and newUserCode to be accepted');
    }
    const contactEmail = normalizeInput(request.contactEmail);
    const newUserCode = normalizeInput(request.newUserCode);
    if (!isValidEmail(contactEmail)) throw new ContractError('EMAIL_FORMAT', 'the contact e-mail is not a valid address');
    if (!isValidUserCode(newUserCode)) throw new ContractError('USER_CODE_FORMAT', 'a user code is 6–10 letters, digits or symbols');
    return { contactEmail, newUserCode };
  }

  async pinGrant(request: v.InferOutput<typeof PinGrantRequestSchema>, context: RequestContext): Promise<PinGrantReply> {
    context.card(request.cardNumber);
    const { cardNumber, ref } = parseActivationId(request.activationId);
    if (cardNumber !== request.cardNumber) throw new ContractError('BAD_REQUEST', 'the activation is for another card');
    if (Buffer.from(request.agentPublicKey, 'base64url').length !== 32) {
      throw new ContractError('BAD_REQUEST', 'agentPublicKey is not a raw 32-byte X25519 key');
    }
    const now = this.ledger.clock();
    const found = activationCard(await this.ledger.readCard(cardNumber), ref, context);
    const activation = checkGrantable(found.value, ref, now);
    refuseIfSoLoginFailed(found.value);
    // Only a one-time key that the activation's own kiosk's enrolled card agent signed for this
    // activation: a live activation id alone (readable by any client on the kiosk) is not enough.
    await this.requireAgentSignature(
      activation.kioskId,
      context,
      grantKeyStatement(request.activationId, activation.kioskId, request.agentPublicKey),
      request.agentKeySignature,
    );

    // Counted before it is released (a reply lost on the way still counts), event and all in one write.
    const proofNonce = randomBytes(32).toString('base64url');
    const granted = await this.ledger.changeCard(cardNumber, found, (current) => {
      const change = recordGrant(current, ref, now, proofNonce, this.parts.maxGrants);
      return { write: change, result: change };
    });
    context.note('grant', granted.grant);
    const record = granted.record;
    const credential = this.parts.secrets.decryptSoCredential(cardNumber, record.soCredential);
    try {
      return { sealed: await sealGrant(credential, request.agentPublicKey, pinGrantContext(request.activationId, cardNumber)), proofNonce };
    } finally {
      credential.fill(0);
    }
  }

  /** Refuses unless `signature` over `statement` is by the card-agent key enrolled for `kioskId`. */
  private async requireAgentSignature(kioskId: string, context: RequestContext, statement: Buffer, signature: string): Promise<void> {
    if (context.kiosk !== undefined && context.kiosk !== kioskId) {
      throw new ContractError('BAD_REQUEST', 'the activation belongs to another kiosk');
    }
    const entry = await this.ledger.store.cards.get(agentKeyKey(kioskId));
    const enrolled = entry && entry.operation === 'PUT' ? entry.json<AgentKeyRecord>() : undefined;
    if (enrolled === undefined) throw new ContractError('BAD_REQUEST', `no card-agent key is enrolled for kiosk ${kioskId}`);
    if (!verifyAgentSignature(enrolled.publicKey, statement, signature)) {
      throw new ContractError('BAD_REQUEST', "the request is not signed by this kiosk's enrolled card-agent key");
    }
  }

  /**
   * A card agent reports a failed SO login on a card (or SO PIN flags that forbid one): from now
   * on no kiosk gets this card's SO credential until staff unlock it.
   */
  async soLoginFailed(request: SoLoginFailedRequest, context: RequestContext): Promise<{ recorded: boolean }> {
    context.card(request.cardNumber);
    context.note('problem', request.problem);
    const { cardNumber, ref } = parseActivationId(request.activationId);
    if (cardNumber !== request.cardNumber) throw new ContractError('BAD_REQUEST', 'the activation is for another card');
    const found = activationCard(await this.ledger.readCard(cardNumber), ref, context);
    const kioskId = kioskOfActivation(found.value, ref);
    if (kioskId === undefined) throw new ContractError('SESSION_EXPIRED', "this activation is not the card's current one");
    await this.requireAgentSignature(
      kioskId,
      context,
      soReportStatement(request.activationId, kioskId, cardNumber, request.problem),
      request.agentKeySignature,
    );
    const now = this.ledger.clock();
    const change = await this.ledger.changeCard<Change | undefined>(cardNumber, found, (current) => {
      const reported = recordSoLoginFailed(current, kioskId, request.problem, now);
      return reported ? { write: reported, result: reported } : { result: undefined };
    });
    return { recorded: change !== undefined };
  }

  async complete(request: v.InferOutput<typeof CompleteRequestSchema>, context: RequestContext): Promise<CompleteReply> {
    context.card(request.cardNumber);
    const { cardNumber, ref } = parseActivationId(request.activationId);
    if (cardNumber !== request.cardNumber) throw new ContractError('BAD_REQUEST', 'the activation is for another card');
    const now = this.ledger.clock();
    return this.ledger.onCard(cardNumber, async (read) => {
      const found = activationCard(read, ref, context);
      // The record's own refusals (expired, not accepted, closed) come first, as before proofs existed.
      if (found.value.activated?.by !== ref) checkGrantable(found.value, ref, now);
      // Proof of possession before anything changes: the card in the reader signed this grant's
      // nonce with the key of the registered certificate, after its new PIN was set.
      checkPossession(found.value, request, grantsOf(found.value, ref)?.proofNonce);
      const activatedAt = await this.ledger.changeCard(cardNumber, found, (current) => {
        const completed = recordCompletion(current, ref, now, grantsOf(current, ref)?.grants ?? 0);
        return { ...(completed.change ? { write: completed.change } : {}), result: completed.result };
      });
      return { activatedAt };
    });
  }
}

/** The kiosk that verified activation `ref`, if the record still knows it. */
function kioskOfActivation(record: CardRecord, ref: string): string | undefined {
  if (record.activation?.ref === ref) return record.activation.kioskId;
  if (record.accepted?.by === ref) return record.accepted.kioskId;
  if (record.activated?.by === ref) return record.activated.kioskId;
  return undefined;
}

/** The record's activation if it is `ref`: its PIN grants and the latest grant's nonce. */
function grantsOf(record: CardRecord, ref: string): CardRecord['activation'] {
  return record.activation?.ref === ref ? record.activation : undefined;
}

/** The card, if its serial matches: a card whose certificate is not the one issued is unknown. */
function withSerial(found: Versioned<CardRecord> | null | undefined, certSerial: string): Versioned<CardRecord> {
  if (!found || found.value.certSerial !== normalizeSerial(certSerial)) {
    throw new ContractError('UNKNOWN_CARD', 'the registry knows no such card with this certificate');
  }
  return found;
}

/** The card an activation belongs to; on a `.<kiosk>` subject only for the kiosk that verified. */
function activationCard(found: Versioned<CardRecord> | null, ref: string, context: RequestContext): Versioned<CardRecord> {
  if (!found) throw new ContractError('SESSION_EXPIRED', 'unknown activation: start again');
  if (context.kiosk !== undefined) {
    const owner = kioskOfActivation(found.value, ref);
    if (owner !== undefined && owner !== context.kiosk) throw new ContractError('BAD_REQUEST', 'the activation belongs to another kiosk');
  }
  return found;
}

function requireSameKiosk(context: RequestContext, bodyKioskId: string | undefined): void {
  if (context.kiosk !== undefined && bodyKioskId !== undefined && bodyKioskId !== context.kiosk) {
    throw new ContractError('BAD_REQUEST', 'the kioskId in the body differs from the kiosk in the subject');
  }
}

/** CARD_MISMATCH unless the proof is the registered certificate key's signature over this activation's nonce. */
function checkPossession(record: CardRecord, request: v.InferOutput<typeof CompleteRequestSchema>, nonce: string | undefined): void {
  const publicKey = Buffer.from(request.proof.publicKey, 'base64url');
  const mismatch = new ContractError('CARD_MISMATCH', 'the proof of possession is not a signature of the registered card');
  if (record.certificateKeySha256 === undefined || publicKeySha256(publicKey) !== record.certificateKeySha256) throw mismatch;
  if (nonce === undefined) throw new ContractError('BAD_REQUEST', 'no PIN grant was released for this activation');
  const statement = possessionStatement(request.activationId, record.cardNumber, nonce);
  if (!verifyCardSignature(publicKey, statement, Buffer.from(request.proof.signature, 'base64url'))) throw mismatch;
}
