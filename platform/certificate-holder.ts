// What a business certificate says about its holder and how long it is valid: the fields the card
// import record gives, the demo CA writes into a card's certificate and the card agent reads back
// out of it. One type and one copy, so the record and the certificate cannot drift apart.
import type { CardImportRecord } from '../machines/contract/index.ts';

/** Holder name (O), its branch or unit (OU, when there is one), UBN, e-mail and validity. */
export type CertificateHolder = Pick<CardImportRecord, 'holderName' | 'orgUnit' | 'ubn' | 'email' | 'validFrom' | 'validTo'>;

/** Only the holder fields of a larger record; an absent OU stays absent rather than `undefined`. */
export function certificateHolderOf(record: CertificateHolder): CertificateHolder {
  return {
    holderName: record.holderName,
    ...(record.orgUnit === undefined ? {} : { orgUnit: record.orgUnit }),
    ubn: record.ubn,
    email: record.email,
    validFrom: record.validFrom,
    validTo: record.validTo,
  };
}
