// Pure parts of the card agent: what the kiosk reads from a card certificate, the choice among a
// card's certificates, the PC/SC back-off schedule, and the simulated reader's events.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as x509 from '@peculiar/x509';
import { ContractError } from '../../machines/contract/index.ts';
import { reconnectDelay } from '../../card/readers/pcsc.reader.ts';
import type { ReaderEvent } from '../../card/readers/reader.ts';
import { SIM_ATR, SIM_READER_NAME, SimulatedReaders } from '../../card/readers/sim.reader.ts';
import { chooseCardCertificate, normalizeSerial, parseCardCertificate } from '../../card/token/certificate.ts';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const keys = (await webcrypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify'])) as CryptoKeyPair;

async function certificate(options: {
  subject: x509.JsonNameParams;
  serial?: string;
  email?: string;
  usage?: x509.KeyUsageFlags;
}): Promise<Uint8Array> {
  const extensions: x509.Extension[] = [];
  if (options.email !== undefined) extensions.push(new x509.SubjectAlternativeNameExtension([{ type: 'email', value: options.email }]));
  if (options.usage !== undefined) extensions.push(new x509.KeyUsagesExtension(options.usage, true));
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: options.serial ?? '0a1b2c',
    name: new x509.Name(options.subject),
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2031-01-01T00:00:00Z'),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions,
  });
  return new Uint8Array(cert.rawData);
}

function codeOf(run: () => unknown): string {
  try {
    run();
    return 'none';
  } catch (error) {
    return error instanceof ContractError ? error.code : String(error);
  }
}

describe('parseCardCertificate', () => {
  it('reads holder name (O), UBN (serialNumber), e-mail (SAN), serial and validity', async () => {
    const der = await certificate({
      subject: [{ '2.5.4.6': ['TW'] }, { '2.5.4.10': [{ utf8String: '測試公司1' }] }, { '2.5.4.5': ['97969933'] }],
      serial: '00ab12',
      email: 'test@example.com.tw',
    });
    expect(parseCardCertificate(der)).toEqual({
      certSerial: 'AB12',
      holderName: '測試公司1',
      ubn: '97969933',
      email: 'test@example.com.tw',
      validFrom: '2026-01-01T00:00:00.000Z',
      validTo: '2031-01-01T00:00:00.000Z',
    });
  });

  it('finds the UBN in an organizationIdentifier or an OU, and the e-mail in the subject', async () => {
    const fromIdentifier = await certificate({
      subject: [{ '2.5.4.10': ['ACME'] }, { '2.5.4.97': ['NTRTW-12345681'] }, { '1.2.840.113549.1.9.1': [{ ia5String: 'a@b.tw' }] }],
    });
    expect(parseCardCertificate(fromIdentifier)).toMatchObject({ ubn: '12345681', email: 'a@b.tw' });
    const fromUnit = await certificate({ subject: [{ '2.5.4.10': ['ACME'] }, { '2.5.4.11': ['Sales'] }, { '2.5.4.11': ['12345686'] }] });
    expect(parseCardCertificate(fromUnit).ubn).toBe('12345686');
  });

  it('calls a certificate without holder name or UBN not a business certificate, and bad DER unreadable', async () => {
    const noUbn = await certificate({ subject: [{ '2.5.4.10': ['ACME'] }, { '2.5.4.5': ['not-a-ubn'] }] });
    expect(codeOf(() => parseCardCertificate(noUbn))).toBe('NOT_BUSINESS_CARD');
    const noHolder = await certificate({ subject: [{ '2.5.4.3': ['someone'] }, { '2.5.4.5': ['97969933'] }] });
    expect(codeOf(() => parseCardCertificate(noHolder))).toBe('NOT_BUSINESS_CARD');
    // A citizen certificate (自然人憑證) names a person: C=TW, CN, a serialNumber that is no UBN.
    const citizen = await certificate({ subject: [{ '2.5.4.6': ['TW'] }, { '2.5.4.3': [{ utf8String: '王小明' }] }, { '2.5.4.5': ['0000000112831644'] }] });
    expect(codeOf(() => parseCardCertificate(citizen))).toBe('NOT_BUSINESS_CARD');
    expect(codeOf(() => parseCardCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01])))).toBe('CARD_UNREADABLE');
  });

  it('calls a certificate from a CA not in the configured issuers not a business certificate', async () => {
    // Self-signed here: the issuer is the subject, O=ACME.
    const der = await certificate({ subject: [{ '2.5.4.10': ['ACME'] }, { '2.5.4.5': ['97969933'] }] });
    expect(codeOf(() => parseCardCertificate(der, ['Demo MOEACA (not a real CA)']))).toBe('NOT_BUSINESS_CARD');
    expect(parseCardCertificate(der, ['Demo MOEACA (not a real CA)', 'ACME']).ubn).toBe('97969933');
    expect(parseCardCertificate(der, []).ubn).toBe('97969933');
    expect(parseCardCertificate(der).ubn).toBe('97969933');
  });

  it('normalizes serials the way the manual writes them', () => {
    expect(normalizeSerial('00ab12')).toBe('AB12');
    expect(normalizeSerial('abc')).toBe('0ABC');
    expect(normalizeSerial('0000')).toBe('00');
  });
});

describe('chooseCardCertificate', () => {
  it('prefers the signing certificate of a card with two, and refuses a card with none', async () => {
    const subject: x509.JsonNameParams = [{ '2.5.4.10': ['ACME'] }, { '2.5.4.5': ['97969933'] }];
    const encryption = { der: await certificate({ subject, serial: '01', usage: x509.KeyUsageFlags.keyEncipherment }), id: '02', label: 'enc' };
    const signing = { der: await certificate({ subject, serial: '02', usage: x509.KeyUsageFlags.digitalSignature }), id: '01', label: 'sig' };
    expect(chooseCardCertificate([encryption, signing]).label).toBe('sig');
    expect(chooseCardCertificate([encryption]).label).toBe('enc');
    // A card with no certificate at all is no business-certificate card.
    expect(codeOf(() => chooseCardCertificate([]))).toBe('NOT_BUSINESS_CARD');
  });
});

describe('reconnectDelay', () => {
  it('doubles from the first delay and stops at the cap', () => {
    const options = { initialMs: 250, maxMs: 5_000 };
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((attempt) => reconnectDelay(attempt, options))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });
});

describe('SimulatedReaders', () => {
  it('attaches one reader, inserts and removes cards with a fixed ATR, and counts insertions', async () => {
    const reader = new SimulatedReaders();
    const events: ReaderEvent[] = [];
    reader.subscribe((event) => events.push(event));
    await reader.start();
    reader.insert('TT00000000000051');
    expect(reader.readers()).toEqual([
      { name: SIM_READER_NAME, cardPresent: true, atr: SIM_ATR, insertion: 1, token: { by: 'label', label: 'TT00000000000051' } },
    ]);
    reader.insert('TT00000000000052');
    expect(reader.readers()[0]?.insertion).toBe(2);
    expect(reader.remove()).toBe(true);
    expect(reader.remove()).toBe(false);
    await reader.stop();
    expect(events.map((e) => e.type)).toEqual([
      'reader.attached',
      'card.inserted',
      'card.removed',
      'card.inserted',
      'card.removed',
      'reader.detached',
    ]);
    expect(reader.readers()).toEqual([]);
  });
});
