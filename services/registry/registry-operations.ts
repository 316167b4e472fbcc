// The registry's operations: what each endpoint does, on decoded requests, in terms of the card
// lifecycle (card-record.ts) and the store (registry-store.ts). registry.service.ts wires them to
// NATS subjects; everything here throws a ContractError to refuse.
import { createHash, randomBytes } from 'node:crypto';
import type * as v from 'valibot';
import {
  ContractError,
  JETSTREAM,
  type AcceptReply,
  type AcceptRequestSchema,
  type AdminEnrollAgentRequest,
  type AdminImportReply,
  type AdminImportRequest,
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
import { checkPersonalId, isValidEmail, isValidUserCode, normalizeInput, parseBirthDate } from '../../machines/validators/index.ts';
import { pinGrantContext, seal } from '../shared/sealed-box.ts';
import {
  grantKeyStatement,
  possessionStatement,
  publicKeySha256,
  soReportStatement,
  verifyAgentSignature,
  verifyCardSignature,
} from '../shared/card-proofs.ts';
import {
  attemptsLeft,
  checkGrantable,
  checkVerifiable,
  effectiveStatus,
  newCardRecord,
  normalizeSerial,
  recordAcceptance,
  recordCompletion,
  recordReturn,
  recordSoLoginFailed,
  recordUnlock,
  refuseIfSoLoginFailed,
  recordVerification,
  recordWrongAttempt,
  DEFAULT_UNLOCKS_PER_CARD_PER_DAY,
  type CardRecord,
  type Change,
  type Outcome,
  type RegistryEvent,
} from './card-record.ts';
import type { CardView } from './card-view.ts';
import type { KioskLimiter } from './kiosk-rate-limit.ts';
import type { AdminListPage, AdminListRequestSchema } from '../../machines/contract/card-import.ts';
import type { StaffCardReply, StaffCardSummary, StaffRequest, StaffReturnRequest } from '../../machines/contract/staff.ts';
import { hashUserCode, verifyUserCode, type RegistrySecrets, type ScryptCost } from './registry-secrets.ts';
import { cardUpdater, compareAndSet, ensureEventStored, publishEvent, readAll, readVersioned, type RegistryStore, type Step, type Versioned } from './registry-store.ts';
import { certificateHolderOf } from '../shared/certificate-holder.ts';

/** Per activation, in `ra_activations` under the activation's ref. */
export interface ActivationRecord {
  readonly v: 1;
  readonly cardNumber: string;
  readonly kioskId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly grants: number;
  readonly lastGrantAt?: string;
  /** The nonce of the latest grant: the card signs it after its new PIN is set (`complete`). */
  readonly proofNonce?: string;
}

/** A kiosk's enrolled card-agent key, in `ra_cards` under `_agent_key.<kiosk>` (no card number is like it). */
export interface AgentKeyRecord {
  readonly v: 1;
  readonly kioskId: string;
  /** Raw Ed25519 public key, base64url. */
  readonly publicKey: string;
  readonly enrolledAt: string;
}

export function agentKeyKey(kioskId: string): string {
  return `_agent_key.${kioskId}`;
}

export interface RequestContext {
  /** The kiosk id from a `.<kiosk>` subject, if the request came that way. */
  readonly kiosk: string | undefined;
  /** Names the card in the request log. */
  card(cardNumber: string): void;
  /** Adds a non-secret field to the request log. */
  note(field: string, value: string | number): void;
}

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

function isCardRecord(value: unknown): value is CardRecord {
  return typeof value === 'object' && value !== null && (value as { v?: unknown }).v === 1 && typeof (value as { cardNumber?: unknown }).cardNumber === 'string';
}

export interface RegistryParts {
  readonly store: RegistryStore;
  readonly secrets: RegistrySecrets;
  readonly limiter: KioskLimiter;
  readonly view: CardView;
  readonly clock: () => Date;
  readonly ttlMs: number;
  readonly scryptCost: ScryptCost;
  readonly maxGrants: number;
  /** Staff unlocks per card within a rolling day. */
  readonly unlocksPerCardPerDay?: number;
}

export class Registry {
  private readonly store: RegistryStore;
  private readonly secrets: RegistrySecrets;
  private readonly limiter: KioskLimiter;
  private readonly view: CardView;
  private readonly clock: () => Date;
  private readonly ttlMs: number;
  private readonly scryptCost: ScryptCost;
  private readonly maxGrants: number;
  private readonly unlocksPerCardPerDay: number;

  private readonly updateCard: (key: string, data: string, revision: number) => Promise<number>;
  private readonly storedEvents = new StoredEvents();

  constructor(parts: RegistryParts) {
    this.store = parts.store;
    this.updateCard = cardUpdater(parts.store);
    this.secrets = parts.secrets;
    this.limiter = parts.limiter;
    this.view = parts.view;
    this.clock = parts.clock;
    this.ttlMs = parts.ttlMs;
    this.scryptCost = parts.scryptCost;
    this.maxGrants = parts.maxGrants;
    this.unlocksPerCardPerDay = parts.unlocksPerCardPerDay ?? DEFAULT_UNLOCKS_PER_CARD_PER_DAY;
  }

  // -------------------------------------------------------------------------------------------
  // Activation

  async identify(request: v.InferOutput<typeof IdentifyRequestSchema>, context: RequestContext): Promise<IdentifyReply> {
    context.card(request.cardNumber);
    requireSameKiosk(context, request.kioskId);
    // From the view: a status a moment old is fine here, every later step checks again.
    const found = this.view.get(request.cardNumber) ?? (await this.readCard(request.cardNumber));
    const record = withSerial(found, request.certSerial).value;
    if (record.certificateKeySha256 !== request.certificateKeySha256) {
      throw new ContractError('CARD_MISMATCH', "the card's certificate key is not the one registered for this card");
    }
    return { route: record.route, status: effectiveStatus(record, this.clock()), attemptsLeft: attemptsLeft(record) };
  }

  async verify(request: VerifyRequest, context: RequestContext): Promise<VerifyReply> {
    context.card(request.cardNumber);
    requireSameKiosk(context, request.kioskId);
    if (context.kiosk === undefined) context.note('kiosk', request.kioskId);
    const now = this.clock();
    const matches = this.secretCheck(request, now);
    // The token is taken before the comparison and given back only when the secret matched, so
    // parallel verifies cannot all pass the check before the first wrong one is charged.
    const admission = await this.limiter.admit(request.kioskId, now);
    let comparedWrong = false;
    try {
      const found = withSerial(await this.readCard(request.cardNumber), request.certSerial);
      checkVerifiable(found.value, request.route, now);

      if (!(await this.limiter.comparisons.run(() => matches(found.value)))) {
        comparedWrong = true;
        const failed = await this.changeCard(request.cardNumber, found, (current) => {
          const wrong = recordWrongAttempt(current, request.kioskId, now);
          return { write: wrong.record, result: wrong };
        });
        await this.publish(failed.event);
        throw failed.reply;
      }
      return await this.startActivation(request, found, now);
    } finally {
      // Only a wrong secret costs the token; an unknown card, a refused status or a busy
      // registry compared nothing.
      if (!comparedWrong) await admission.refund().catch(() => undefined);
      admission.release();
    }
  }

  private async startActivation(request: VerifyRequest, found: Versioned<CardRecord>, now: Date): Promise<VerifyReply> {
    const activationId = newActivationId(request.cardNumber);
    const ref = activationRef(activationId);
    const expiresAt = new Date(now.getTime() + this.ttlMs).toISOString();
    const activation: ActivationRecord = {
      v: 1,
      cardNumber: request.cardNumber,
      kioskId: request.kioskId,
      createdAt: now.toISOString(),
      expiresAt,
      grants: 0,
    };
    await this.store.activations.create(ref, JSON.stringify(activation));
    const change = await this.changeCard(request.cardNumber, found, (current) => {
      const verified = recordVerification(current, { ref, kioskId: request.kioskId, expiresAt }, now);
      return { write: verified.record, result: verified };
    });
    await this.publish(change.event);
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
      const parsed = parseBirthDate(request.birthDate, now);
      if (!parsed.ok) throw new ContractError('BIRTH_DATE_FORMAT', 'the birth date is not a valid date');
      birthDate = parsed.iso;
    }
    const idMac = this.secrets.macResponsibleId(id.normalized);
    const birthMac = birthDate === undefined ? undefined : this.secrets.macBirthDate(birthDate);
    return async (record) => {
      // A record that holds a birth date needs one: asked for, never counted as a wrong attempt.
      if (record.birthDateMac !== undefined && birthMac === undefined) {
        throw new ContractError('BIRTH_DATE_REQUIRED', 'this card\'s record needs the responsible person\'s birth date');
      }
      if (record.responsibleIdMac === undefined || !this.secrets.sameMac(record.responsibleIdMac, idMac)) return false;
      if (record.birthDateMac === undefined) return true;
      return birthMac !== undefined && this.secrets.sameMac(record.birthDateMac, birthMac);
    };
  }

  async accept(request: v.InferOutput<typeof AcceptRequestSchema>, context: RequestContext): Promise<AcceptReply> {
    const { cardNumber, ref } = parseActivationId(request.activationId);
    context.card(cardNumber);
    const now = this.clock();
    return this.onCard(cardNumber, async (read) => {
      const found = activationCard(read, ref, context);
      const details = this.acceptanceInput(found.value, request);

      // Decide on the record as read before paying for a hash: repeats and refusals need none.
      const preview = recordAcceptance(found.value, ref, now, {});
      if (!preview.change) return { acceptedAt: await this.settle(preview) };

      const userCodeHash = details.newUserCode === undefined ? undefined : await hashUserCode(details.newUserCode, this.scryptCost);
      const outcome = await this.changeCard(cardNumber, found, (current) => {
        const accepted = recordAcceptance(current, ref, now, {
          ...(details.contactEmail === undefined ? {} : { contactEmail: details.contactEmail }),
          ...(userCodeHash === undefined ? {} : { userCodeHash }),
        });
        return accepted.change ? { write: accepted.change.record, result: accepted as Outcome<string> } : { result: accepted as Outcome<string> };
      });
      return { acceptedAt: await this.settle(outcome) };
    });
  }

  /** Publishes the event of an outcome: the change's, or for a repeat the original one again (deduplicated). */
  private async settle<T>(outcome: Outcome<T>): Promise<T> {
    if (outcome.change) await this.publish(outcome.change.event);
    else if (outcome.repeat) await this.publish(outcome.repeat);
    return outcome.result;
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
    const now = this.clock();
    const { value: record } = activationCard(await this.readCard(cardNumber), ref, context);
    const activation = checkGrantable(record, ref, now);
    refuseIfSoLoginFailed(record);
    // Only a one-time key that the activation's own kiosk's enrolled card agent signed for this
    // activation: a live activation id alone (readable by any client on the kiosk) is not enough.
    await this.requireAgentSignature(
      activation.kioskId,
      context,
      grantKeyStatement(request.activationId, activation.kioskId, request.agentPublicKey),
      request.agentKeySignature,
    );

    // Count the grant before releasing it: a reply lost on the way still counts.
    const proofNonce = randomBytes(32).toString('base64url');
    const { result: grant } = await compareAndSet<ActivationRecord, number>(this.store.activations, ref, (current) => {
      if (current === null) throw new ContractError('SESSION_EXPIRED', 'unknown activation: start again');
      if (current.value.grants >= this.maxGrants) {
        throw new ContractError('SESSION_EXPIRED', `this activation has used its ${this.maxGrants} PIN grants: start again`);
      }
      const grants = current.value.grants + 1;
      return { write: { ...current.value, grants, lastGrantAt: now.toISOString(), proofNonce }, result: grants };
    });
    context.note('grant', grant);
    // The card's own latest event goes first: events stay in order per card.
    await this.ensureLastEvent(record);
    await publishEvent(this.store.publisher, {
      id: `${cardNumber}-${ref}-grant-${grant}`,
      type: 'pin-granted',
      cardNumber,
      at: now.toISOString(),
      route: record.route,
      from: 'accepted',
      to: 'accepted',
      kioskId: activation.kioskId,
      activation: ref,
      grant,
    });
    const credential = this.secrets.decryptSoCredential(cardNumber, record.soCredential);
    try {
      return { sealed: seal(credential, request.agentPublicKey, pinGrantContext(request.activationId, cardNumber)), proofNonce };
    } finally {
      credential.fill(0);
    }
  }

  /** Refuses unless `signature` over `statement` is by the card-agent key enrolled for `kioskId`. */
  private async requireAgentSignature(kioskId: string, context: RequestContext, statement: Buffer, signature: string): Promise<void> {
    if (context.kiosk !== undefined && context.kiosk !== kioskId) {
      throw new ContractError('BAD_REQUEST', 'the activation belongs to another kiosk');
    }
    const entry = await this.store.cards.get(agentKeyKey(kioskId));
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
    const found = activationCard(await this.readCard(cardNumber), ref, context);
    const kioskId = kioskOfActivation(found.value, ref);
    if (kioskId === undefined) throw new ContractError('SESSION_EXPIRED', "this activation is not the card's current one");
    await this.requireAgentSignature(
      kioskId,
      context,
      soReportStatement(request.activationId, kioskId, cardNumber, request.problem),
      request.agentKeySignature,
    );
    const now = this.clock();
    const change = await this.changeCard<Change | undefined>(cardNumber, found, (current) => {
      const reported = recordSoLoginFailed(current, kioskId, request.problem, now);
      return reported ? { write: reported.record, result: reported } : { result: undefined };
    });
    if (change) await this.publish(change.event);
    return { recorded: change !== undefined };
  }

  async complete(request: v.InferOutput<typeof CompleteRequestSchema>, context: RequestContext): Promise<CompleteReply> {
    context.card(request.cardNumber);
    const { cardNumber, ref } = parseActivationId(request.activationId);
    if (cardNumber !== request.cardNumber) throw new ContractError('BAD_REQUEST', 'the activation is for another card');
    const now = this.clock();
    const entry = await this.store.activations.get(ref);
    const activation = entry && entry.operation === 'PUT' ? entry.json<ActivationRecord>() : undefined;
    return this.onCard(cardNumber, async (read) => {
      const found = activationCard(read, ref, context);
      // The record's own refusals (expired, not accepted, closed) come first, as before proofs existed.
      if (found.value.activated?.by !== ref) checkGrantable(found.value, ref, now);
      // Proof of possession before anything changes: the card in the reader signed this grant's
      // nonce with the key of the registered certificate, after its new PIN was set.
      checkPossession(found.value, request, activation?.proofNonce);
      const grants = activation?.grants ?? 0;
      const outcome = await this.changeCard(cardNumber, found, (current) => {
        const completed = recordCompletion(current, ref, now, grants);
        return completed.change ? { write: completed.change.record, result: completed as Outcome<string> } : { result: completed as Outcome<string> };
      });
      return { activatedAt: await this.settle(outcome) };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Staff

  // The staff id is the verified token's (registry.service.ts checks it before calling these).

  async unlock(request: StaffRequest, staffId: string, context: RequestContext): Promise<StaffCardSummary> {
    return this.staffChange(request, staffId, context, (record, now) => recordUnlock(record, now, staffId, this.unlocksPerCardPerDay));
  }

  async giveBack(request: StaffReturnRequest, staffId: string, context: RequestContext): Promise<StaffCardSummary> {
    const details = { ...(request.reason ? { reason: request.reason } : {}), ...(request.contact ? { contact: request.contact } : {}) };
    return this.staffChange(request, staffId, context, (record, now) => recordReturn(record, now, staffId, details));
  }

  private async staffChange(
    request: StaffRequest,
    staffId: string,
    context: RequestContext,
    change: (record: CardRecord, now: Date) => Change | undefined,
  ): Promise<StaffCardSummary> {
    context.card(request.cardNumber);
    context.note('staff', staffId);
    const now = this.clock();
    const { record, event } = await this.changeCard<{ record: CardRecord; event?: RegistryEvent }>(request.cardNumber, undefined, (current) => {
      const changed = change(current, now);
      return changed ? { write: changed.record, result: changed } : { result: { record: current } };
    });
    if (event) await this.publish(event);
    return summarize(record, now);
  }

  async card(request: StaffRequest, staffId: string, context: RequestContext): Promise<StaffCardReply> {
    context.card(request.cardNumber);
    context.note('staff', staffId);
    const record = (await this.readCard(request.cardNumber))?.value;
    if (!record) throw new ContractError('UNKNOWN_CARD', 'no such card');
    const messages = await readAll(this.store.js, JETSTREAM.registryEventsStream, JETSTREAM.registryEventsSubject(request.cardNumber, '>'));
    const history = messages.map((msg) => msg.json<RegistryEvent>());
    return { ...summarize(record, this.clock()), history };
  }

  // -------------------------------------------------------------------------------------------
  // Admin

  async import(request: AdminImportRequest, context: RequestContext): Promise<AdminImportReply> {
    context.note('records', request.records.length);
    const seen = new Set<string>();
    for (const record of request.records) {
      if (seen.has(record.cardNumber)) throw new ContractError('BAD_REQUEST', `card ${record.cardNumber} appears twice in one import`);
      seen.add(record.cardNumber);
      checkImportRecord(record);
    }
    // Refuse the whole batch before writing anything if a card is already known with another serial.
    const known = await mapLimited(request.records, 64, (record) => this.readCard(record.cardNumber));
    request.records.forEach((record, index) => {
      const existing = known[index]?.value;
      if (existing && existing.certSerial !== normalizeSerial(record.certSerial)) {
        throw new ContractError('BAD_REQUEST', `card ${record.cardNumber} is already registered with another certificate serial`);
      }
      if (existing?.certificateKeySha256 !== undefined && existing.certificateKeySha256 !== record.certificateKeySha256) {
        throw new ContractError('BAD_REQUEST', `card ${record.cardNumber} is already registered with another certificate key`);
      }
    });
    const now = this.clock();
    const results = await mapLimited(request.records, 16, async (record, index) => {
      const existing = known[index]?.value;
      if (existing) return { cardNumber: record.cardNumber, outcome: 'unchanged' as const, status: effectiveStatus(existing, now) };
      const fresh = newCardRecord(await this.issuanceFields(record), now);
      const { result } = await compareAndSet<CardRecord, { created: boolean; record: CardRecord }>(this.store.cards, record.cardNumber, (current) => {
        if (current === null) return { write: fresh.record, result: { created: true, record: fresh.record } };
        if (current.value.certSerial !== fresh.record.certSerial) {
          throw new ContractError('BAD_REQUEST', `card ${record.cardNumber} is already registered with another certificate serial`);
        }
        return { result: { created: false, record: current.value } };
      }, null);
      if (result.created) await this.publish(fresh.event);
      return {
        cardNumber: record.cardNumber,
        outcome: result.created ? ('created' as const) : ('unchanged' as const),
        status: effectiveStatus(result.record, now),
      };
    });
    return { results };
  }

  private async issuanceFields(record: AdminImportRequest['records'][number]) {
    const common = {
      cardNumber: record.cardNumber,
      certSerial: record.certSerial,
      ...certificateHolderOf(record),
      status: record.status,
      soCredential: this.secrets.encryptSoCredential(record.cardNumber, record.soCredential),
      certificateKeySha256: record.certificateKeySha256,
    };
    if (record.route === 'self-applied') {
      return { ...common, route: record.route, userCodeHash: await hashUserCode(normalizeInput(record.userCode), this.scryptCost) };
    }
    return {
      ...common,
      route: record.route,
      responsibleIdMac: this.secrets.macResponsibleId(checkPersonalId(record.responsibleId).normalized),
      ...(record.birthDate === undefined ? {} : { birthDateMac: this.secrets.macBirthDate(record.birthDate) }),
    };
  }

  /** Enrolls (or replaces) the card-agent key of a kiosk: an operator's act, on an admin-only subject. */
  async enrollAgent(request: AdminEnrollAgentRequest, context: RequestContext): Promise<{ kioskId: string; outcome: 'enrolled' | 'replaced' | 'unchanged' }> {
    context.note('kiosk', request.kioskId);
    const enrolledAt = this.clock().toISOString();
    const { result } = await compareAndSet<AgentKeyRecord, 'enrolled' | 'replaced' | 'unchanged'>(this.store.cards, agentKeyKey(request.kioskId), (current) => {
      if (current !== null && current.value.publicKey === request.publicKey) return { result: 'unchanged' };
      return {
        write: { v: 1, kioskId: request.kioskId, publicKey: request.publicKey, enrolledAt },
        result: current === null ? 'enrolled' : 'replaced',
      };
    });
    context.note('outcome', result);
    return { kioskId: request.kioskId, outcome: result };
  }

  async list(request: v.InferOutput<typeof AdminListRequestSchema>): Promise<AdminListPage> {
    const limit = request.limit ?? 5_000;
    const now = this.clock();
    const bucket = JETSTREAM.registryCardsBucket;
    const messages = await readAll(this.store.js, `KV_${bucket}`, `$KV.${bucket}.>`, true);
    const cards = messages
      .filter((msg) => msg.data.length > 0)
      .map((msg) => msg.json<unknown>())
      .filter(isCardRecord)
      .filter((record) => request.after === undefined || record.cardNumber > request.after)
      .sort((a, b) => (a.cardNumber < b.cardNumber ? -1 : a.cardNumber > b.cardNumber ? 1 : 0));
    const page = cards.slice(0, limit).map((record) => ({ cardNumber: record.cardNumber, route: record.route, status: effectiveStatus(record, now) }));
    const last = page[page.length - 1];
    return { cards: page, ...(cards.length > limit && last ? { next: last.cardNumber } : {}) };
  }

  // -------------------------------------------------------------------------------------------

  /** The card as stored now (and the view learns it). */
  private async readCard(cardNumber: string): Promise<Versioned<CardRecord> | null> {
    const found = await readVersioned<CardRecord>(this.store.cards, cardNumber);
    if (found) this.view.remember(cardNumber, found);
    return found;
  }

  /**
   * Runs `decide` on the card as the view has it, and if that refuses, once more on the card as
   * stored now: a refusal is only ever answered from a fresh read.
   */
  private async onCard<T>(cardNumber: string, decide: (found: Versioned<CardRecord> | null) => Promise<T>): Promise<T> {
    const viewed = this.view.get(cardNumber);
    if (viewed) {
      try {
        return await decide(viewed);
      } catch (error) {
        if (!(error instanceof ContractError)) throw error;
      }
    }
    return decide(await this.readCard(cardNumber));
  }

  /** compareAndSet on a card that must exist, starting from `known` when the caller has just read it. */
  private async changeCard<T>(
    cardNumber: string,
    known: Versioned<CardRecord> | undefined,
    decide: (current: CardRecord) => Step<CardRecord, T>,
  ): Promise<T> {
    const { result, written } = await compareAndSet<CardRecord, T>(
      this.store.cards,
      cardNumber,
      (current) => {
        if (current === null) throw new ContractError('UNKNOWN_CARD', 'no such card');
        return decide(current.value);
      },
      known,
      this.updateCard,
      // The change replaces the record's latest change: its event must be stored first.
      (current) => this.ensureLastEvent(current.value),
    );
    if (written) this.view.remember(cardNumber, written, written.json);
    return result;
  }

  /** Publishes a card's change event and remembers that it is stored. */
  private async publish(event: RegistryEvent): Promise<void> {
    await publishEvent(this.store.publisher, event);
    this.storedEvents.note(event.cardNumber, event.id);
  }

  /**
   * Makes sure the event of the record's latest change is on RA_EVENTS (it is not if its publish
   * failed after the record was written). Free when this instance published or checked it itself;
   * otherwise one publish, deduplicated by its id.
   */
  private async ensureLastEvent(record: CardRecord): Promise<void> {
    const last = record.lastEvent;
    if (last === undefined || this.storedEvents.has(record.cardNumber, last.id)) return;
    await ensureEventStored(this.store, last, this.clock());
    this.storedEvents.note(record.cardNumber, last.id);
  }
}

/**
 * The id of each card's latest event this instance knows to be on RA_EVENTS (it published it, or
 * checked it), so its own next change needs no check. Bounded: the oldest entries go first, and a
 * card that is not here is simply checked once.
 */
class StoredEvents {
  readonly #ids = new Map<string, string>();

  constructor(readonly capacity = 50_000) {}

  has(cardNumber: string, id: string): boolean {
    return this.#ids.get(cardNumber) === id;
  }

  note(cardNumber: string, id: string): void {
    this.#ids.delete(cardNumber);
    this.#ids.set(cardNumber, id);
    if (this.#ids.size > this.capacity) this.#ids.delete(this.#ids.keys().next().value as string);
  }
}

/** The kiosk that verified activation `ref`, if the record still knows it. */
function kioskOfActivation(record: CardRecord, ref: string): string | undefined {
  if (record.activation?.ref === ref) return record.activation.kioskId;
  if (record.accepted?.by === ref) return record.accepted.kioskId;
  if (record.activated?.by === ref) return record.activated.kioskId;
  return undefined;
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

/** Input a registry cannot use is refused at import, not discovered at the kiosk. */
function checkImportRecord(record: AdminImportRequest['records'][number]): void {
  if (record.route === 'self-applied') {
    if (!isValidUserCode(normalizeInput(record.userCode))) {
      throw new ContractError('BAD_REQUEST', `card ${record.cardNumber}: the user code is not 6–10 letters, digits or symbols`);
    }
  } else if (!checkPersonalId(record.responsibleId).formatOk) {
    throw new ContractError('BAD_REQUEST', `card ${record.cardNumber}: the responsible person's ID is not in a known format`);
  }
  if (Date.parse(record.validFrom) >= Date.parse(record.validTo)) {
    throw new ContractError('BAD_REQUEST', `card ${record.cardNumber}: validFrom is not before validTo`);
  }
}

function summarize(record: CardRecord, now: Date): StaffCardSummary {
  return {
    cardNumber: record.cardNumber,
    route: record.route,
    status: effectiveStatus(record, now),
    attemptsLeft: attemptsLeft(record),
    certSerial: record.certSerial,
    holderName: record.holderName,
    ubn: record.ubn,
    validFrom: record.validFrom,
    validTo: record.validTo,
    importedAt: record.importedAt,
    ...(record.accepted ? { acceptedAt: record.accepted.at } : {}),
    ...(record.activated ? { activatedAt: record.activated.at } : {}),
    ...(record.lockedAt ? { lockedAt: record.lockedAt } : {}),
    ...(record.soLoginFailed ? { soLoginFailedAt: record.soLoginFailed.at } : {}),
    ...(record.returned ? { returnedAt: record.returned.at } : {}),
    ...(record.returned?.reason ? { returnReason: record.returned.reason } : {}),
    ...(record.returned?.contact ? { returnContact: record.returned.contact } : {}),
    ...(record.activation
      ? {
          activation: {
            kioskId: record.activation.kioskId,
            expiresAt: record.activation.expiresAt,
            live: now.getTime() <= Date.parse(record.activation.expiresAt),
          },
        }
      : {}),
  };
}

/** Maps with at most `limit` calls in flight, keeping the order of `items`. */
async function mapLimited<I, O>(items: readonly I[], limit: number, map: (item: I, index: number) => Promise<O>): Promise<O[]> {
  const results = new Array<O>(items.length);
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < items.length) {
      const index = nextIndex++;
      results[index] = await map(items[index] as I, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
