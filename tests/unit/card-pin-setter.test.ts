// card.set-pin (card/pin-setter.ts), each step of docs/card-agent.md, "card.set-pin", on its own:
// the flags checked on the token before any grant is asked for, the grant request signed by the
// agent key, the card removed while the grant is on its way, SO-login failures reported and never
// tried twice, the PIN buffer handed over and zeroed, one set-pin at a time, readings dropped after.
// Real simulated readers and the real reader view; the worker is a stand-in
// (tests/support/token-stand-in.ts) and so is the registry (the test's `requestGrant`).
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { CardReaderView } from '../../card/card-reader-view.ts';
import { PIN_FLAG_BITS, pkcs11Error, SO_PIN_FLAG_BITS } from '../../card/errors.ts';
import { PinSetter } from '../../card/pin-setter.ts';
import { SimulatedReaders } from '../../card/readers/sim.reader.ts';
import { ContractError, type PinGrantRequest, type SoLoginFailedRequest } from '../../machines/contract/index.ts';
import { grantKeyStatement, rawEd25519PublicKey, soReportStatement, verifyAgentSignature } from '../../platform/card-proofs.ts';
import { createLogger } from '../../platform/log.ts';
import { generateOneTimeKeyPair } from '../../platform/pin-grant-jwe.ts';
import { TokenStandIn } from '../support/token-stand-in.ts';

// The real key generation, counted: the one-time key is made while the worker reads the flags.
vi.mock('../../platform/pin-grant-jwe.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../platform/pin-grant-jwe.ts')>();
  return { ...actual, generateOneTimeKeyPair: vi.fn(actual.generateOneTimeKeyPair) };
});

const CARD = 'TT00000000000051';
const KIOSK = 'kiosk-unit';
const NEW_PIN = '493817';
const GRANT = { sealed: 'aaaa.bbbb.cccc.dddd.eeee', proofNonce: 'n'.repeat(43) };

async function world(flags: number = PIN_FLAG_BITS.CKF_USER_PIN_INITIALIZED) {
  const readers = new SimulatedReaders();
  await readers.start();
  const token = new TokenStandIn();
  await token.addCard(CARD, flags);
  const view = new CardReaderView({ readers, token });
  const agentKey = generateKeyPairSync('ed25519').privateKey;
  const grants: PinGrantRequest[] = [];
  const reports: SoLoginFailedRequest[] = [];
  const lines: string[] = [];
  let grantGate: Promise<void> = Promise.resolve();
  let grantAsked: () => void = () => undefined;
  const setter = new PinSetter({
    kioskId: KIOSK,
    view,
    token,
    agentKey,
    requestGrant: async (request) => {
      grants.push(request);
      grantAsked();
      await grantGate;
      return GRANT;
    },
    soLoginReports: { report: async (report) => void reports.push(report) },
    log: createLogger('test', (line) => lines.push(line)),
  });
  readers.insert(CARD);
  /** The next grant request waits for `release`; `asked` resolves when it is made. */
  const holdGrant = () => {
    let release!: () => void;
    grantGate = new Promise((resolve) => (release = resolve));
    const asked = new Promise<void>((resolve) => (grantAsked = resolve));
    return { asked, release };
  };
  return { readers, token, view, setter, agentKey, grants, reports, lines, holdGrant };
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'none';
  } catch (error) {
    return error instanceof ContractError ? error.code : `not a contract error: ${String(error)}`;
  }
}

describe('card.set-pin', () => {
  it('asks for a grant signed by the agent key, sets the PIN in the worker, and answers with the card proof', async () => {
    const { token, setter, agentKey, grants, lines } = await world();
    const reply = await setter.setPin('act-1', NEW_PIN);
    expect(grants).toHaveLength(1);
    const grant = grants[0]!;
    expect(grant).toMatchObject({ activationId: 'act-1', cardNumber: CARD });
    expect(verifyAgentSignature(rawEd25519PublicKey(agentKey), grantKeyStatement('act-1', KIOSK, grant.agentPublicKey), grant.agentKeySignature)).toBe(true);
    expect(token.opsCalled()).toEqual(['read', 'info', 'set-pin']);
    const setPin = token.calls[2]!;
    expect(setPin.request).toMatchObject({ op: 'set-pin', token: { by: 'label', label: CARD }, sealed: GRANT.sealed, context: `act-1\n${CARD}`, certificateId: '01' });
    // The PIN travels as the one buffer in the transfer list; the worker got it, then it was zeroed.
    expect(setPin.transfer).toEqual([token.pinBuffers[0]]);
    expect(token.pinsReceived).toEqual([NEW_PIN]);
    expect([...token.pinBuffers[0]!].every((byte) => byte === 0)).toBe(true);
    const spki = new X509Certificate(token.tokens.get(CARD)!.certificate.der).publicKey.export({ type: 'spki', format: 'der' });
    expect(reply).toMatchObject({ ok: true, proof: { publicKey: Buffer.from(spki).toString('base64url'), signature: Buffer.from([1, 2, 3]).toString('base64url') } });
    expect(lines.join('\n')).not.toContain(NEW_PIN);
  });

  it("makes the grant's one-time key while the worker reads the flags, and asks for the grant only after them", async () => {
    const { token, setter, grants } = await world();
    vi.mocked(generateOneTimeKeyPair).mockClear();
    const info = token.hold('info');
    const setting = setter.setPin('act-1', NEW_PIN);
    await info.reached;
    expect(vi.mocked(generateOneTimeKeyPair)).toHaveBeenCalledTimes(1);
    expect(grants).toEqual([]);
    info.release();
    await setting;
    expect(grants).toEqual([expect.objectContaining({ agentPublicKey: vi.mocked(generateOneTimeKeyPair).mock.results[0]?.value.publicKey })]);
  });

  it('27011 on user-PIN flags the token shows now, though the reading says clean: no grant asked for', async () => {
    const { token, view, setter, grants } = await world();
    await view.readCard();
    token.tokens.get(CARD)!.flags |= PIN_FLAG_BITS.CKF_USER_PIN_COUNT_LOW;
    expect(await codeOf(setter.setPin('act-1', NEW_PIN))).toBe('27011');
    expect(grants).toEqual([]);
    expect(token.opsCalled()).not.toContain('set-pin');
  });

  it('SO-PIN flags: no grant, no SO login, CARD_UNREADABLE, reported signed, and the card refused from then on', async () => {
    const { token, setter, agentKey, grants, reports } = await world(PIN_FLAG_BITS.CKF_USER_PIN_INITIALIZED | SO_PIN_FLAG_BITS.CKF_SO_PIN_FINAL_TRY);
    expect(await codeOf(setter.setPin('act-1', NEW_PIN))).toBe('CARD_UNREADABLE');
    expect(reports).toEqual([expect.objectContaining({ activationId: 'act-1', cardNumber: CARD, problem: 'so-pin-final-try' })]);
    expect(verifyAgentSignature(rawEd25519PublicKey(agentKey), soReportStatement('act-1', KIOSK, CARD, 'so-pin-final-try'), reports[0]!.agentKeySignature)).toBe(true);
    token.tokens.get(CARD)!.flags = PIN_FLAG_BITS.CKF_USER_PIN_INITIALIZED;
    expect(await codeOf(setter.setPin('act-2', NEW_PIN))).toBe('CARD_UNREADABLE');
    expect(grants).toEqual([]);
    expect(reports).toHaveLength(1);
  });

  it('a failed SO login in the worker is reported as wrong-so-credential and never tried again', async () => {
    const { token, setter, grants, reports } = await world();
    token.failSetPin = pkcs11Error(0xa0, 'so-login');
    expect(await codeOf(setter.setPin('act-1', NEW_PIN))).toBe('CARD_UNREADABLE');
    expect(reports.map((report) => report.problem)).toEqual(['wrong-so-credential']);
    token.failSetPin = undefined;
    expect(await codeOf(setter.setPin('act-2', NEW_PIN))).toBe('CARD_UNREADABLE');
    expect(grants).toHaveLength(1);
    expect(token.opsCalled().filter((op) => op === 'set-pin')).toHaveLength(1);
  });

  it('a failure in another step is not an SO-login report', async () => {
    const { token, setter, reports } = await world();
    token.failSetPin = pkcs11Error(0xa1, 'init-pin');
    expect(await codeOf(setter.setPin('act-1', NEW_PIN))).toBe('PIN_FORMAT');
    expect(reports).toEqual([]);
  });

  it("PIN_FORMAT for a new PIN outside the token's bounds, before any grant", async () => {
    const { setter, grants } = await world();
    expect(await codeOf(setter.setPin('act-1', '12345'))).toBe('PIN_FORMAT');
    expect(await codeOf(setter.setPin('act-1', '1234567890123'))).toBe('PIN_FORMAT');
    expect(grants).toEqual([]);
  });

  it('the card removed while the grant is on its way: CARD_NOT_DETECTED with the re-insert message, the worker never asked', async () => {
    const { readers, token, setter, holdGrant } = await world();
    const grant = holdGrant();
    const setting = setter.setPin('act-1', NEW_PIN);
    await grant.asked;
    readers.remove();
    readers.insert(CARD);
    grant.release();
    const error = await setting.catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(ContractError);
    expect(error).toMatchObject({ code: 'CARD_NOT_DETECTED', message: 'The card was removed while its PIN was being set. Insert the same card again to finish.' });
    expect(token.opsCalled()).not.toContain('set-pin');
  });

  it('CARD_NOT_DETECTED with no card, before anything else', async () => {
    const { readers, token, setter, grants } = await world();
    readers.remove();
    expect(await codeOf(setter.setPin('act-1', NEW_PIN))).toBe('CARD_NOT_DETECTED');
    expect(grants).toEqual([]);
    expect(token.calls).toEqual([]);
  });

  it('runs one set-pin at a time: the second reads the token only after the first is done', async () => {
    const { token, setter, holdGrant } = await world();
    const grant = holdGrant();
    const first = setter.setPin('act-1', NEW_PIN);
    await grant.asked;
    const second = setter.setPin('act-2', NEW_PIN);
    const idle = setter.idle();
    grant.release();
    await idle;
    await Promise.all([first, second]);
    // Side by side, the second would have asked the token's info while the first waited for its grant.
    expect(token.opsCalled()).toEqual(['read', 'info', 'set-pin', 'read', 'info', 'set-pin']);
  });

  it('drops the readings after a set-pin, done or failed: the next read goes to the card', async () => {
    const { token, view, setter } = await world();
    await setter.setPin('act-1', NEW_PIN);
    token.failSetPin = pkcs11Error(0xa1, 'init-pin');
    await setter.setPin('act-2', NEW_PIN).catch(() => undefined);
    await view.readCard();
    expect(token.opsCalled()).toEqual(['read', 'info', 'set-pin', 'read', 'info', 'set-pin', 'read']);
  });
});
