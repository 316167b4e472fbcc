// The load run's cards and the mix of activations on them: card i's number, record and kind depend
// on i alone, so a kept set of M cards serves every run of at most M activations, and the kiosk
// hosts, the provisioning and the check of the events stream all agree on what card i should do.
import type { CardImportRecord } from '../../machines/contract/index.ts';

export const SELF = 'Ld$Code1';
export const WRONG = 'Ld$Wrng2';
export const ID = 'A123456789';
export const WRONG_ID = 'F131104093';
export const BIRTH = '1980-05-17';
export const PIN = 'Ld!Pin12';

export type Kind = 'self' | 'bundled' | 'self-wrong-first' | 'bundled-wrong-first' | 'revoked';
const KINDS: Kind[] = ['self', 'bundled', 'self', 'bundled', 'self-wrong-first', 'bundled', 'self', 'bundled-wrong-first', 'self', 'bundled', 'revoked', 'self', 'bundled', 'self', 'bundled', 'self', 'bundled', 'self', 'bundled', 'revoked'];

export function cardFor(index: number): { cardNumber: string; kind: Kind; record: CardImportRecord } {
  const cardNumber = `TL${String(index).padStart(14, '0')}`;
  const kind = KINDS[index % KINDS.length]!;
  const common = { cardNumber, holderName: '負載公司', ubn: '97969933', email: 'load@example.com.tw', validFrom: '2026-01-01T00:00:00Z', validTo: '2031-01-01T00:00:00Z', status: kind === 'revoked' ? 'revoked' : 'issued' } as const;
  const record = (kind.startsWith('bundled')
    ? { ...common, route: 'registration-bundled', responsibleId: ID, birthDate: BIRTH }
    : { ...common, route: 'self-applied', userCode: SELF }) as CardImportRecord;
  return { cardNumber, kind, record };
}

/**
 * Scrypt hashes the registry computes for one activation of this kind: a self-applied verify
 * compares the user code's hash (the wrong first try too); a registration-bundled verify compares
 * the ID's keyed MAC (no scrypt) and its accept hashes the new user code; a revoked card is refused
 * at identify, before any (services/registry/activation-operations.ts).
 */
export function scryptsOf(kind: Kind): number {
  if (kind === 'revoked') return 0;
  if (kind.startsWith('bundled')) return 1;
  return kind === 'self-wrong-first' ? 2 : 1;
}
