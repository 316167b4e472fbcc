// Keys for registry tests that run without tokens: a card's key pair (EC P-256, as the demo cards
// have) standing for the key on the card, and a kiosk's card-agent key (Ed25519) enrolled with the
// registry. The signatures are real; only the card itself is absent (docs/testing.md lists this).
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { enrollAgentKey } from '../../platform/registry-admin-client.ts';
import {
  grantKeyStatement,
  possessionStatement,
  publicKeySha256,
  rawEd25519PublicKey,
  signWithAgentKey,
  soReportStatement,
} from '../../platform/card-proofs.ts';

export interface TestCardKey {
  certificateKeySha256: string;
  /** SPKI DER, base64url. */
  publicKey: string;
  /** The `proof` of a complete request, as the card would sign it. */
  prove(activationId: string, cardNumber: string, nonce: string): { publicKey: string; signature: string };
}

export function testCardKey(): TestCardKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const encoded = spki.toString('base64url');
  return {
    certificateKeySha256: publicKeySha256(spki),
    publicKey: encoded,
    prove: (activationId, cardNumber, nonce) => ({
      publicKey: encoded,
      signature: sign('sha256', possessionStatement(activationId, cardNumber, nonce), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString(
        'base64url',
      ),
    }),
  };
}

export interface TestAgentKey {
  kioskId: string;
  privateKey: KeyObject;
  publicKey: string;
  /** `agentKeySignature` of a pin-grant request. */
  signGrant(activationId: string, oneTimePublicKey: string): string;
  signSoReport(activationId: string, cardNumber: string, problem: string): string;
}

export function testAgentKey(kioskId: string): TestAgentKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    kioskId,
    privateKey,
    publicKey: rawEd25519PublicKey(privateKey),
    signGrant: (activationId, oneTimePublicKey) => signWithAgentKey(privateKey, grantKeyStatement(activationId, kioskId, oneTimePublicKey)),
    signSoReport: (activationId, cardNumber, problem) =>
      signWithAgentKey(privateKey, soReportStatement(activationId, kioskId, cardNumber, problem)),
  };
}

/** A fresh agent key for `kioskId`, enrolled with the registry on `nc` (an admin connection). */
export async function enrolledAgentKey(nc: NatsConnection, kioskId: string): Promise<TestAgentKey> {
  const key = testAgentKey(kioskId);
  await enrollAgentKey(nc, kioskId, key.publicKey);
  return key;
}
