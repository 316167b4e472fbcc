// The kiosk engine over real NATS with every other part real: registry, SoftHSM2 card tokens, card
// agent (simulated reader). Each error code is produced by a real cause where one exists.
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JETSTREAM, kioskSubjects, registrySubjectFor, type CardImportRecord, type View } from '../../machines/contract/index.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { cardRecord, checkTokenElsewhere } from '../support/softhsm.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { signStaffToken } from '../../services/staff-auth/staff-token.ts';
import { enrolledStaffToken, staffTokenFor } from '../support/staff-token.ts';
import { until } from '../support/until.ts';

const USER_CODE = 'Uc$Canary7';
const NEW_USER_CODE = 'Nu#Canary8';
const RESPONSIBLE_ID = 'A123456789';
const BIRTH_DATE_ISO = '1980-05-17';
const PIN = 'Pn!9c4ry';

/** This file's self-applied card: its holder is checked on the card data screen. */
const record = (cardNumber: string, overrides: Partial<CardImportRecord> = {}): CardImportRecord =>
  cardRecord(cardNumber, { holderName: '測試公司E', userCode: USER_CODE, ...overrides });

const bundled = (cardNumber: string): CardImportRecord =>
  ({
    ...record(cardNumber),
    route: 'registration-bundled',
    responsibleId: RESPONSIBLE_ID,
    birthDate: BIRTH_DATE_ISO,
    userCode: undefined,
  }) as unknown as CardImportRecord;

const CARDS = {
  selfA: 'TE00000000000001',
  bundledB: 'TE00000000000002',
  lockMe: 'TE00000000000003',
  revoked: 'TE00000000000004',
  usedEarly: 'TE00000000000005',
  flaky: 'TE00000000000006',
  removeMe: 'TE00000000000007',
  other: 'TE00000000000008',
  suspended: 'TE00000000000009',
  expired: 'TE00000000000010',
  unregistered: 'TE00000000000011',
  completeLate: 'TE00000000000012',
  handedOver: 'TE00000000000013',
  /** A demo card with an RSA-2048 key, as `npm start` now provisions beside the EC ones. */
  rsaDemo: 'TE00000000000014',
};

const onScreen = (screen: View['screen']) => (view: View) => view.screen === screen;

describe('kiosk engine with the real stack', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
    await stack.provision([
      record(CARDS.selfA),
      bundled(CARDS.bundledB),
      record(CARDS.lockMe),
      record(CARDS.revoked, { status: 'revoked' }),
      record(CARDS.usedEarly),
      record(CARDS.flaky),
      record(CARDS.removeMe),
      record(CARDS.other),
      record(CARDS.suspended, { status: 'suspended' }),
      record(CARDS.completeLate),
      record(CARDS.handedOver),
      { ...record(CARDS.rsaDemo), keyType: 'rsa-2048' },
      record(CARDS.expired, { validFrom: '2020-01-01T00:00:00Z', validTo: '2021-01-01T00:00:00Z' }),
    ]);
    await stack.provision([record(CARDS.unregistered)], { tokenOnly: true });
    await stack.startEngine();
    await stack.waitForView(onScreen('insertCard'), 'idle kiosk');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** Ends whatever session is on and waits for the idle screen. */
  async function endSession() {
    await stack.remove();
    if (stack.views.at(-1)?.screen !== 'insertCard') stack.staff({ type: 'staff.abort' });
    await stack.waitForView(onScreen('insertCard'), 'session ended');
  }

  async function insertAndChoose(cardNumber: string, path: 'self-applied' | 'registration-bundled') {
    await stack.insert(cardNumber);
    await stack.waitForView((v) => v.screen === 'choosePath' && v.card?.cardNumber === cardNumber, 'choose path');
    stack.send({ type: 'user.choosePath', path });
  }

  it('acts on a staff event only with a valid staff token, and takes the staff id from it', async () => {
    await insertAndChoose(CARDS.other, 'self-applied');
    const waiting = await stack.waitForView(onScreen('enterUserCode'), 'user code screen');
    expect(waiting.accepts).toContain('staff.abort');
    const engine = stack.engine!;
    const refusedBefore = engine.stats().staffRefused;
    const acceptedBefore = engine.stats().accepted;

    const otherKey = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = (await signStaffToken(otherKey.privateKey, { staffId: 'S01', name: 'x' }, new Date())).token;
    const expired = await staffTokenFor(stack.dataDir, 'S01', new Date(Date.now() - 3_600_000), 60);
    // Signed with the right key, but for a staff member never enrolled: the registry's check refuses it.
    const notEnrolled = await staffTokenFor(stack.dataDir, 'S-never-enrolled');
    const staffSubject = kioskSubjects(stack.kioskId).staff;
    for (const body of [{ type: 'staff.abort', staffId: 'S01' }, { type: 'staff.abort', token: forged }, { type: 'staff.abort', token: expired }, { type: 'staff.abort', token: notEnrolled }]) {
      stack.nc.publish(staffSubject, encodeJson(body));
    }
    await until(() => engine.stats().staffRefused === refusedBefore + 4, 'four refused staff events');
    expect(engine.stats().accepted).toBe(acceptedBefore);
    expect(stack.views.at(-1)?.screen).toBe('enterUserCode');
    expect(stack.logs.filter((line) => line.includes('staff event refused'))).toHaveLength(4);
    expect(stack.logs.some((line) => line.includes('staff event refused') && line.includes('STAFF_TOKEN_REVOKED'))).toBe(true);
    expect(stack.logs.join('\n')).not.toContain(forged);

    // A valid token acts; the body's staffId is not believed, the token's is logged.
    stack.nc.publish(staffSubject, encodeJson({ type: 'staff.abort', staffId: 'S99', token: await enrolledStaffToken(stack.nc, stack.dataDir, 'S07') }));
    // The card is still in: the kiosk asks for it before showing insertCard again.
    await stack.waitForView(onScreen('removeCard'), 'aborted by staff');
    const accepted = stack.logs.filter((line) => line.includes('"staff event"')).at(-1) ?? '';
    expect(accepted).toContain('S07');
    expect(accepted).not.toContain('S99');
    await stack.remove();
    await stack.waitForView(onScreen('insertCard'), 'card taken out');
  });

  it("turns the kiosk's automatic speech on and off for a valid staff token only; a session's end keeps it", async () => {
    const engine = stack.engine!;
    const staffSubject = kioskSubjects(stack.kioskId).staff;
    const refusedBefore = engine.stats().staffRefused;
    stack.nc.publish(staffSubject, encodeJson({ type: 'staff.speechOn', staffId: 'S01' }));
    await until(() => engine.stats().staffRefused === refusedBefore + 1, 'a refused speech setting');
    expect(stack.views.at(-1)?.autoSpeech).toBeUndefined();

    stack.nc.publish(staffSubject, encodeJson({ type: 'staff.speechOn', token: await enrolledStaffToken(stack.nc, stack.dataDir, 'S07') }));
    const on = await stack.waitForView((v) => v.autoSpeech === true, 'automatic speech on');
    expect(on.screen).toBe('insertCard');
    await stack.insert(CARDS.other);
    await stack.waitForView((v) => v.screen === 'choosePath' && v.autoSpeech === true, 'a session with speech on');
    await endSession();
    expect(stack.views.at(-1)).toMatchObject({ screen: 'insertCard', autoSpeech: true });

    stack.nc.publish(staffSubject, encodeJson({ type: 'staff.speechOff', token: await enrolledStaffToken(stack.nc, stack.dataDir, 'S07') }));
    await stack.waitForView((v) => v.screen === 'insertCard' && v.autoSpeech === undefined, 'automatic speech off');
  });

  it('path A: user code, card data, acceptance, PIN; the new PIN opens the token', async () => {
    await insertAndChoose(CARDS.selfA, 'self-applied');
    await stack.waitForView(onScreen('enterUserCode'), 'user code screen');

    stack.send({ type: 'user.submitUserCode', userCode: 'abc' });
    const formatError = await stack.waitForView((v) => v.error?.code === 'USER_CODE_FORMAT', 'format error');
    expect(formatError.screen).toBe('enterUserCode');

    stack.send({ type: 'user.submitUserCode', userCode: 'Wrong$123' });
    const wrong = await stack.waitForView((v) => v.error?.code === '3005', '3005');
    expect(wrong).toMatchObject({ screen: 'enterUserCode', error: { attemptsLeft: 4, retryable: true } });

    stack.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    const data = await stack.waitForView(onScreen('confirmCardData'), 'card data');
    expect(data.card).toMatchObject({ cardNumber: CARDS.selfA, holderName: '測試公司E', ubn: '97969933', route: 'self-applied' });
    expect(data.accepts).toEqual(expect.arrayContaining(['user.confirmCardData', 'user.disputeCardData']));

    stack.send({ type: 'user.confirmCardData' });
    await stack.waitForView(onScreen('enterPin'), 'PIN screen');
    stack.send({ type: 'user.submitPin', pin: PIN, pinConfirm: `${PIN}x` });
    await stack.waitForView((v) => v.error?.code === 'PIN_MISMATCH', 'PIN mismatch');
    // The wire in the engine's own publish order: its snapshot writes and its requests to the registry.
    const wire: { subject: string; body: string }[] = [];
    const watched = [`$KV.${JETSTREAM.kioskSnapshotsBucket}.${stack.kioskId}`, registrySubjectFor('complete', stack.kioskId)].map((subject) =>
      stack.nc.subscribe(subject, {
        callback: (_error, msg) => {
          wire.push({ subject: msg.subject, body: msg.string() });
        },
      }),
    );
    await stack.nc.flush();
    stack.send({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
    await stack.waitForView(onScreen('activated'), 'activated');
    for (const sub of watched) sub.unsubscribe();
    // `complete` went out only after the snapshot holding the card's proof was written: an engine
    // killed after the registry heard it comes back in completingActivation, not at the PIN screen.
    const completeAt = wire.findIndex((message) => !message.subject.startsWith('$KV.'));
    const lastWriteBefore = wire.slice(0, completeAt).findLast((message) => message.subject.startsWith('$KV.'));
    const persisted = JSON.parse(lastWriteBefore?.body ?? '{}') as { session?: { value?: unknown; context?: { possessionProof?: unknown } } };
    expect(completeAt).toBeGreaterThan(0);
    expect(persisted.session?.value).toEqual({ session: 'completingActivation' });
    expect(persisted.session?.context?.possessionProof).toBeTruthy();

    const check = await checkTokenElsewhere(stack.dataDir, CARDS.selfA, PIN);
    expect(check).toMatchObject({ found: true, accepted: true, userPinInitialized: true });
    await endSession();
  });

  it('path A on a demo card with an RSA-2048 key: the new PIN opens the token', async () => {
    await insertAndChoose(CARDS.rsaDemo, 'self-applied');
    await stack.waitForView(onScreen('enterUserCode'), 'user code screen');
    stack.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    await stack.waitForView(onScreen('confirmCardData'), 'card data');
    stack.send({ type: 'user.confirmCardData' });
    await stack.waitForView(onScreen('enterPin'), 'PIN screen');
    stack.send({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
    await stack.waitForView(onScreen('activated'), 'activated');
    expect(await checkTokenElsewhere(stack.dataDir, CARDS.rsaDemo, PIN)).toMatchObject({ found: true, accepted: true });
    await endSession();
  });

  it('path B: national ID and birth date, contact, acceptance, PIN', async () => {
    await insertAndChoose(CARDS.bundledB, 'registration-bundled');
    await stack.waitForView(onScreen('enterResponsibleId'), 'ID screen');
    stack.send({ type: 'user.submitResponsibleId', responsibleId: RESPONSIBLE_ID, birthDate: '69/5/17' });
    await stack.waitForView(onScreen('confirmCardData'), 'card data');
    stack.send({ type: 'user.confirmCardData' });
    await stack.waitForView(onScreen('enterContact'), 'contact');
    stack.send({ type: 'user.submitContact', email: 'new@example.com.tw', userCode: NEW_USER_CODE, userCodeConfirm: 'Other#123' });
    await stack.waitForView((v) => v.error?.code === 'USER_CODE_MISMATCH', 'user code mismatch');
    stack.send({ type: 'user.submitContact', email: 'new@example.com.tw', userCode: NEW_USER_CODE, userCodeConfirm: NEW_USER_CODE });
    await stack.waitForView(onScreen('enterPin'), 'PIN screen');
    stack.send({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
    await stack.waitForView(onScreen('activated'), 'activated');
    expect(await checkTokenElsewhere(stack.dataDir, CARDS.bundledB, PIN)).toMatchObject({ accepted: true });
    await endSession();
  });

  it('the wrong path is named as such, never a bare 3005, and the right one is offered', async () => {
    await insertAndChoose(CARDS.lockMe, 'registration-bundled');
    const wrongPath = await stack.waitForView(onScreen('failed'), 'wrong path');
    expect(wrongPath.error?.code).toBe('WRONG_PATH');
    expect(wrongPath.accepts).toContain('user.choosePath');
    stack.send({ type: 'user.choosePath', path: 'self-applied' });
    await stack.waitForView(onScreen('enterUserCode'), 'right path');
    await endSession();
  });

  it('five wrong user codes lock the card; staff unlock lets the user try again', async () => {
    await insertAndChoose(CARDS.lockMe, 'self-applied');
    for (let left = 4; left >= 1; left--) {
      await stack.waitForView(onScreen('enterUserCode'), 'user code');
      stack.send({ type: 'user.submitUserCode', userCode: `Bad$code${left}` });
      await stack.waitForView((v) => v.error?.code === '3005' && v.error.attemptsLeft === left, `3005 with ${left} left`);
    }
    stack.send({ type: 'user.submitUserCode', userCode: 'Bad$code0' });
    const locked = await stack.waitForView((v) => v.error?.code === 'LOCKED', 'locked');
    expect(locked.screen).toBe('failed');
    expect(locked.accepts).toContain('staff.unlocked');

    // Staff unlock the record at the registry, then tell the kiosk.
    const unlock = await stack.nc.request('ra.staff.unlock', encodeJson({ cardNumber: CARDS.lockMe, token: await staffTokenFor(stack.dataDir, 'S01') }), { timeout: 5_000 });
    expect(unlock.headers?.get('Nats-Service-Error-Code') ?? '').toBe('');
    stack.staff({ type: 'staff.unlocked' });
    await stack.waitForView((v) => v.screen === 'enterUserCode' && v.error === undefined, 'user code again');
    stack.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    await stack.waitForView(onScreen('confirmCardData'), 'verified after unlock');
    await endSession();
  });

  it.each([
    [CARDS.revoked, '4931'],
    [CARDS.suspended, 'SUSPENDED'],
    [CARDS.expired, 'CERT_EXPIRED'],
  ])('card %s shows %s', async (cardNumber, code) => {
    await stack.insert(cardNumber);
    const failed = await stack.waitForView((v) => v.screen === 'failed' && v.card?.cardNumber === cardNumber, code);
    expect(failed.error?.code).toBe(code);
    await endSession();
  });

  it('an activated card is ALREADY_ACTIVATED', async () => {
    await stack.insert(CARDS.selfA);
    const failed = await stack.waitForView((v) => v.screen === 'failed' && v.card?.cardNumber === CARDS.selfA, 'already');
    expect(failed.error?.code).toBe('ALREADY_ACTIVATED');
    await endSession();
  });

  it('a real wrong PIN login before activation is 27011, and staff takes the card', async () => {
    const wrongLogin = await checkTokenElsewhere(stack.dataDir, CARDS.usedEarly, 'not-the-pin');
    expect(wrongLogin).toMatchObject({ accepted: false, userPinCountLow: true });
    await stack.insert(CARDS.usedEarly);
    const failed = await stack.waitForView((v) => v.screen === 'failed' && v.card?.cardNumber === CARDS.usedEarly, '27011');
    expect(failed.error).toMatchObject({ code: '27011', retryable: false });
    expect(failed.accepts).toContain('staff.takeCard');
    stack.staff({ type: 'staff.takeCard' });
    await stack.waitForView(onScreen('insertCard'), 'card taken');
    await stack.remove();
  });

  it('a card the registry does not know is UNKNOWN_CARD', async () => {
    await stack.insert(CARDS.unregistered);
    const failed = await stack.waitForView((v) => v.screen === 'failed' && v.card?.cardNumber === CARDS.unregistered, 'unknown');
    expect(failed.error).toMatchObject({ code: 'UNKNOWN_CARD', retryable: false });
    await endSession();
  });

  it("a card with no token shows the self-check's own code (no-token-for-card: UNKNOWN_CARD), not a blanket CARD_UNREADABLE", async () => {
    await stack.insert('ZZ00000000000999');
    const failed = await stack.waitForView((v) => v.screen === 'failed', 'no token');
    expect(failed.error).toMatchObject({ code: 'UNKNOWN_CARD', retryable: false });
    await endSession();
  });

  it('registry down during acceptance: retried with back-off, then 3125; retry after it is back succeeds once', async () => {
    await insertAndChoose(CARDS.flaky, 'self-applied');
    await stack.waitForView(onScreen('enterUserCode'), 'user code');
    stack.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    await stack.waitForView(onScreen('confirmCardData'), 'card data');
    await stack.stopRegistry();
    const inspectedBefore = stack.inspections.length;
    stack.send({ type: 'user.confirmCardData' });
    const unreachable = await stack.waitForView((v) => v.error?.code === '3125', '3125');
    expect(unreachable).toMatchObject({ screen: 'failed', error: { retryable: true } });
    // Before the user saw 3125 the machine sent the acceptance 1 + 3 times (TEST_TIMING's
    // acceptRetryLimit), each one a new acceptCertificate actor, while the screen said 'accepting'.
    const attempts = stack.inspections
      .slice(inspectedBefore)
      .filter((event) => event.kind === 'actor' && event.actor === 'acceptCertificate');
    expect(attempts).toHaveLength(4);
    const shown = stack.views.filter((v) => v.card?.cardNumber === CARDS.flaky && v.seq < unreachable.seq && v.seq > 0);
    expect(shown.some((v) => v.error?.code === '3125')).toBe(false);
    await stack.startRegistry();
    // As the manual says: press Accept again. The registry records the acceptance once.
    expect(unreachable.accepts).toContain('user.reset');
    stack.send({ type: 'user.reset' });
    await stack.waitForView(onScreen('confirmCardData'), 'back at the card data');
    stack.send({ type: 'user.confirmCardData' });
    await stack.waitForView(onScreen('enterPin'), 'accepted after the registry came back');
    stack.send({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
    await stack.waitForView(onScreen('activated'), 'activated');
    await endSession();
  });

  /**
   * Up to the PIN on a self-applied card; the registry goes down right after it has released the
   * PIN grant (the drain answers the grant in flight), so the complete that follows finds nobody.
   * Returns once complete has been resent while the card's PIN is already set.
   */
  async function setPinWhileTheRegistryGoesDown(cardNumber: string) {
    await insertAndChoose(cardNumber, 'self-applied');
    await stack.waitForView(onScreen('enterUserCode'), 'user code');
    stack.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    await stack.waitForView(onScreen('confirmCardData'), 'card data');
    stack.send({ type: 'user.confirmCardData' });
    const pinScreen = await stack.waitForView(onScreen('enterPin'), 'PIN screen');
    const grants = stack.nc.subscribe(registrySubjectFor('pinGrant', stack.kioskId), { max: 1 });
    const registryDown = (async () => {
      for await (const _grant of grants) await stack.stopRegistry();
    })();
    const inspectedBefore = stack.inspections.length;
    stack.send({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
    await registryDown;
    const completes = () =>
      stack.inspections.slice(inspectedBefore).filter((event) => event.kind === 'actor' && event.actor === 'completeActivation');
    await until(() => completes().length >= 2, 'complete resent while the registry is down');
    expect(await checkTokenElsewhere(stack.dataDir, cardNumber, PIN)).toMatchObject({ userPinInitialized: true });
    return { pinScreen, inspectedBefore };
  }

  it('registry down at complete after the PIN is set: complete is resent until it is back, and no second PIN is asked', async () => {
    const { pinScreen, inspectedBefore } = await setPinWhileTheRegistryGoesDown(CARDS.completeLate);
    await stack.startRegistry();
    const activated = await stack.waitForView(onScreen('activated'), 'activated once the registry is back');
    const after = stack.views.filter((v) => v.seq > pinScreen.seq && v.seq <= activated.seq).map((v) => v.screen);
    expect(after).not.toContain('enterPin');
    expect(after).not.toContain('failed');
    expect(stack.inspections.slice(inspectedBefore).filter((event) => event.kind === 'actor' && event.actor === 'setPin')).toHaveLength(1);
    await endSession();
    // The registry recorded the activation: the card is now ALREADY_ACTIVATED.
    await stack.insert(CARDS.completeLate);
    await stack.waitForView((v) => v.error?.code === 'ALREADY_ACTIVATED', 'already activated');
    await endSession();
  });

  it('staff end the session while complete is still being resent: the engine completes it, across its own restart', async () => {
    await setPinWhileTheRegistryGoesDown(CARDS.handedOver);
    stack.staff({ type: 'staff.abort' });
    await stack.waitForView(onScreen('removeCard'), 'session ended by staff');
    await stack.remove();
    await stack.waitForView(onScreen('insertCard'), 'card taken out');
    expect(stack.engine!.stats()).toMatchObject({ completionsPending: 1, completionsDelivered: 0 });
    // Operators read the same counters on the engine's stats subject.
    const overNats = await stack.nc.request(kioskSubjects(stack.kioskId).engineStats, new Uint8Array(), { timeout: 5_000 });
    expect(overNats.json()).toMatchObject({ completionsPending: 1, completionsDelivered: 0 });
    // The outbox is in the kiosk's stored snapshot: a new engine carries on where this one stopped.
    await stack.stopEngine();
    await stack.startEngine();
    expect(stack.engine!.stats()).toMatchObject({ restoredFromSnapshot: true, completionsPending: 1 });
    await stack.startRegistry();
    await until(() => stack.engine!.stats().completionsDelivered === 1, 'the registry told by the engine alone');
    expect(stack.engine!.stats().completionsPending).toBe(0);
    // The card never came back, yet the registry has the activation.
    await stack.insert(CARDS.handedOver);
    await stack.waitForView((v) => v.error?.code === 'ALREADY_ACTIVATED', 'already activated');
    await endSession();
  });

  it('card removed mid-session: the same card resumes; a different card is CARD_SWAPPED', async () => {
    await insertAndChoose(CARDS.removeMe, 'self-applied');
    await stack.waitForView(onScreen('enterUserCode'), 'user code');
    await stack.remove();
    const removed = await stack.waitForView(onScreen('cardRemoved'), 'card removed');
    expect(removed.deadline).toBeDefined();
    await stack.insert(CARDS.other);
    const swapped = await stack.waitForView(onScreen('failed'), 'swapped');
    expect(swapped.error?.code).toBe('CARD_SWAPPED');
    await stack.remove();
    await stack.insert(CARDS.removeMe);
    const resumed = await stack.waitForView(onScreen('enterUserCode'), 'resumed');
    expect(resumed.card?.cardNumber).toBe(CARDS.removeMe);
    await endSession();
  });

  it('bad input messages are rejected with BAD_REQUEST and counted; unaccepted events are ignored and counted', async () => {
    const subjects = kioskSubjects(stack.kioskId);
    const before = stack.engine!.stats();
    const reply = await stack.nc.request(subjects.input, encodeJson({ type: 'user.submitPin', pin: 42 }), { timeout: 5_000 });
    expect(reply.json<{ error: { code: string } }>().error.code).toBe('BAD_REQUEST');
    // The contract's error form in full, as every endpoint answers it: the service-error headers too.
    expect(reply.headers?.get('Nats-Service-Error')).toBe('BAD_REQUEST');
    stack.nc.publish(subjects.input, new TextEncoder().encode('not json'));
    stack.send({ type: 'user.confirmCardData' });
    await stack.nc.flush();
    // The engine counts them as they arrive: wait for the count, then check it is exactly that.
    await until(() => stack.engine!.stats().ignored > before.ignored && stack.engine!.stats().rejected >= before.rejected + 2, 'counted');
    const after = stack.engine!.stats();
    expect(after.rejected - before.rejected).toBe(2);
    expect(after.ignored - before.ignored).toBe(1);
    expect(stack.views.at(-1)?.screen).toBe('insertCard');
  });

  it('view.get answers the current view; seq rises by one per view', async () => {
    const reply = await stack.nc.request(kioskSubjects(stack.kioskId).viewGet, new Uint8Array(), { timeout: 5_000 });
    const view = reply.json<View>();
    expect(view.seq).toBe(stack.views.at(-1)?.seq);
    const seqs = stack.views.map((v) => v.seq);
    seqs.forEach((seq, i) => i > 0 && expect(seq).toBe(seqs[i - 1]! + 1));
  });
});
