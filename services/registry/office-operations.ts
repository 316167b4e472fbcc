// The registration office's operations on the registry: counter staff (unlock, take a card in,
// look a card up) and the issuing side (import, enroll a kiosk's card-agent key, list). The staff
// id is the verified token's: registry.service.ts checks it before calling these.
import type * as v from 'valibot';
import {
  ContractError,
  type AdminEnrollAgentRequest,
  type AdminImportReply,
  type AdminImportRequest,
} from '../../machines/contract/index.ts';
import type { AdminListPage, AdminListRequestSchema } from '../../machines/contract/card-import.ts';
import type { StaffCardReply, StaffCardSummary, StaffRequest, StaffReturnRequest } from '../../machines/contract/staff.ts';
import { checkPersonalId, isValidUserCode, normalizeInput } from '../../machines/validators/index.ts';
import { certificateHolderOf } from '../../platform/certificate-holder.ts';
import {
  attemptsLeft,
  effectiveStatus,
  newCardRecord,
  normalizeSerial,
  recordReturn,
  recordUnlock,
  type CardRecord,
  type Change,
} from './card-record.ts';
import { agentKeyKey, type AgentKeyRecord, type CardLedger, type RequestContext } from './card-ledger.ts';
import { hashUserCode, type RegistrySecrets, type ScryptCost } from './registry-secrets.ts';
import { compareAndSet } from './registry-store.ts';

export interface OfficeParts {
  readonly secrets: RegistrySecrets;
  readonly scryptCost: ScryptCost;
  /** Staff unlocks per card within a rolling day; the lifecycle's default when undefined. */
  readonly unlocksPerCardPerDay?: number | undefined;
}

export class OfficeOperations {
  constructor(
    private readonly ledger: CardLedger,
    private readonly parts: OfficeParts,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Counter staff (the token was checked before these are called)

  async unlock(request: StaffRequest, staffId: string, context: RequestContext): Promise<StaffCardSummary> {
    return this.staffChange(request, staffId, context, (record, now) => recordUnlock(record, now, staffId, this.parts.unlocksPerCardPerDay));
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
    const now = this.ledger.clock();
    const { record } = await this.ledger.changeCard<{ record: CardRecord }>(request.cardNumber, undefined, (current) => {
      const changed = change(current, now);
      return changed ? { write: changed, result: changed } : { result: { record: current } };
    });
    return summarize(record, now);
  }

  async card(request: StaffRequest, staffId: string, context: RequestContext): Promise<StaffCardReply> {
    context.card(request.cardNumber);
    context.note('staff', staffId);
    const record = (await this.ledger.readCard(request.cardNumber))?.value;
    if (!record) throw new ContractError('UNKNOWN_CARD', 'no such card');
    const history = await this.ledger.history(request.cardNumber);
    return { ...summarize(record, this.ledger.clock()), history };
  }

  // -------------------------------------------------------------------------------------------
  // The issuing side (admin-only subjects)

  async import(request: AdminImportRequest, context: RequestContext): Promise<AdminImportReply> {
    context.note('records', request.records.length);
    const seen = new Set<string>();
    for (const record of request.records) {
      if (seen.has(record.cardNumber)) throw new ContractError('BAD_REQUEST', `card ${record.cardNumber} appears twice in one import`);
      seen.add(record.cardNumber);
      checkImportRecord(record);
    }
    // Refuse the whole batch before writing anything if a card is already known with another serial.
    const known = await mapLimited(request.records, 64, (record) => this.ledger.readCard(record.cardNumber));
    request.records.forEach((record, index) => {
      const existing = known[index]?.value;
      if (existing && existing.certSerial !== normalizeSerial(record.certSerial)) {
        throw new ContractError('BAD_REQUEST', `card ${record.cardNumber} is already registered with another certificate serial`);
      }
      if (existing?.certificateKeySha256 !== undefined && existing.certificateKeySha256 !== record.certificateKeySha256) {
        throw new ContractError('BAD_REQUEST', `card ${record.cardNumber} is already registered with another certificate key`);
      }
    });
    const now = this.ledger.clock();
    const results = await mapLimited(request.records, 16, async (record, index) => {
      const existing = known[index]?.value;
      if (existing) return { cardNumber: record.cardNumber, outcome: 'unchanged' as const, status: effectiveStatus(existing, now) };
      const fresh = newCardRecord(await this.issuanceFields(record), now);
      const result = await this.ledger.createCard(fresh);
      if (!result.created && result.record.certSerial !== fresh.record.certSerial) {
        throw new ContractError('BAD_REQUEST', `card ${record.cardNumber} is already registered with another certificate serial`);
      }
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
      soCredential: this.parts.secrets.encryptSoCredential(record.cardNumber, record.soCredential),
      certificateKeySha256: record.certificateKeySha256,
    };
    if (record.route === 'self-applied') {
      return { ...common, route: record.route, userCodeHash: await hashUserCode(normalizeInput(record.userCode), this.parts.scryptCost) };
    }
    return {
      ...common,
      route: record.route,
      responsibleIdMac: this.parts.secrets.macResponsibleId(checkPersonalId(record.responsibleId).normalized),
      ...(record.birthDate === undefined ? {} : { birthDateMac: this.parts.secrets.macBirthDate(record.birthDate) }),
    };
  }

  /** Enrolls (or replaces) the card-agent key of a kiosk: an operator's act, on an admin-only subject. */
  async enrollAgent(request: AdminEnrollAgentRequest, context: RequestContext): Promise<{ kioskId: string; outcome: 'enrolled' | 'replaced' | 'unchanged' }> {
    context.note('kiosk', request.kioskId);
    const enrolledAt = this.ledger.clock().toISOString();
    const { result } = await compareAndSet<AgentKeyRecord, 'enrolled' | 'replaced' | 'unchanged'>(this.ledger.store.cards, agentKeyKey(request.kioskId), (current) => {
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
    const now = this.ledger.clock();
    const cards = (await this.ledger.listCards())
      .filter((record) => request.after === undefined || record.cardNumber > request.after)
      .sort((a, b) => (a.cardNumber < b.cardNumber ? -1 : a.cardNumber > b.cardNumber ? 1 : 0));
    const page = cards.slice(0, limit).map((record) => ({ cardNumber: record.cardNumber, route: record.route, status: effectiveStatus(record, now) }));
    const last = page[page.length - 1];
    return { cards: page, ...(cards.length > limit && last ? { next: last.cardNumber } : {}) };
  }
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
    ...(record.orgUnit === undefined ? {} : { orgUnit: record.orgUnit }),
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
