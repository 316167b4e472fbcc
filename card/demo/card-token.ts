// One demo card as a SoftHSM2 token, made the way a card is personalised: the token labelled with
// the card number, a random SO credential (only the registry will hold it) and a random user PIN
// that nobody keeps, a key pair generated on the token (EC P-256, or RSA-2048 as on real MOEACA
// cards), and the demo CA's certificate for it written next to the key.
import './demo-worker.ts';
import { randomBytes, randomInt } from 'node:crypto';
import type { CardImportRecord } from '../../machines/contract/index.ts';
import { secretBytes, type TokenClient } from '../token/token.client.ts';
import type { CardKeyType, TokenSummary } from '../token/protocol.ts';
import { certificatePublicKey } from '../token/certificate.ts';
import { publicKeySha256 } from '../../platform/card-proofs.ts';
import { certificateHolderOf } from '../../platform/certificate-holder.ts';
import { issueCardCertificate, randomCertSerial, type DemoCa } from './demo-ca.ts';

/** The CKA_ID and CKA_LABEL the key and certificate share, as card middleware expects. */
const OBJECT_ID = '01';
const OBJECT_LABEL = 'MOEACA business certificate';

const PIN_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

function randomText(length: number): string {
  return Array.from({ length }, () => PIN_ALPHABET[randomInt(PIN_ALPHABET.length)]).join('');
}

export interface CardToken {
  cardNumber: string;
  certSerial: string;
  /** SHA-256 of the certificate's public key (SPKI DER), hex: binds the record to this card. */
  certificateKeySha256: string;
  /** For the registry's import record; never printed, logged or stored by us. */
  soCredential: string;
  token: TokenSummary;
}

export async function createCardToken(
  client: TokenClient,
  ca: DemoCa,
  record: CardImportRecord,
  options: { wrongUserLogins?: number; keyType?: CardKeyType } = {},
): Promise<CardToken> {
  const soCredential = randomBytes(18).toString('base64url');
  const userPin = randomText(8);
  const selector = { by: 'label', label: record.cardNumber } as const;

  const so = secretBytes(soCredential);
  const pinForInit = secretBytes(userPin);
  await client.call({ op: 'create-token', label: record.cardNumber, soPin: so, userPin: pinForInit }, [so, pinForInit]);

  const pinForKey = secretBytes(userPin);
  const { publicKey } = await client.call(
    { op: 'generate-key', token: selector, userPin: pinForKey, id: OBJECT_ID, label: OBJECT_LABEL, keyType: options.keyType ?? 'ec-p256' },
    [pinForKey],
  );
  const issued = await issueCardCertificate(ca, {
    ...certificateHolderOf(record),
    certSerial: record.certSerial ?? randomCertSerial(),
    publicKey,
  });
  const pinForCert = secretBytes(userPin);
  let { token } = await client.call(
    {
      op: 'write-certificate',
      token: selector,
      userPin: pinForCert,
      id: OBJECT_ID,
      label: OBJECT_LABEL,
      der: issued.der,
      subject: issued.subject,
      issuer: issued.issuer,
      serialNumber: issued.serialNumber,
    },
    [pinForCert],
  );

  // A card "used before activation" is one someone already tried a PIN on: a real wrong login.
  for (let i = 0; i < (options.wrongUserLogins ?? 0); i++) {
    let wrong = randomText(8);
    while (wrong === userPin) wrong = randomText(8);
    const bytes = secretBytes(wrong);
    ({ token } = await client.call({ op: 'user-login', token: selector, pin: bytes }, [bytes]));
  }
  return {
    cardNumber: record.cardNumber,
    certSerial: issued.certSerial,
    certificateKeySha256: publicKeySha256(certificatePublicKey(issued.der)),
    soCredential,
    token,
  };
}
