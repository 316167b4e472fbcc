// The session statechart driven with fake effects and a SimulatedClock for every timer
// (`tests/support/session-actor.ts`). Fakes resolve at once; `settle()` lets their promises land.
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import * as v from 'valibot';
import { ContractError, ViewSchema, type ActivationPath, type CardData, type CardRecordStatus, type ErrorCode, type View } from '../../machines/contract/index.ts';
import { DEFAULT_TIMING, sessionMachine, type SessionEffects, type SessionInput, type VerifyIdentityInput } from '../../machines/session/index.ts';
import { CARD, NOW, OTHER_CARD, PROOF, selfcheckOf, settle, startSessionActor, viewOf } from '../support/session-actor.ts';

const USER_CODE = 'Ab3$xyz9';
const NATIONAL_ID = 'A123456789';
const BAD_CHECKSUM_ID = 'A123456788';
const BIRTH_DATE_ROC = '民國75年3月5日';
const BIRTH_DATE_ISO = '1986-03-05';

interface World {
  route: ActivationPath;
  status: CardRecordStatus;
  attemptsLeft: number;
  /** The card in the reader, or null. */
  inReader: CardData | null;
  readerPresent: boolean;
  acceptedAt: string | null;
}

/** A fake card agent and registry over `world`, recording every call. `effects` replace single fakes. */
function startSession(options: { world?: Partial<World>; effects?: Partial<SessionEffects>; input?: SessionInput } = {}) {
  const world: World = {
    route: 'self-applied',
    status: 'issued',
    attemptsLeft: 5,
    inReader: null,
    readerPresent: true,
    acceptedAt: null,
    ...options.world,
  };
  const fakes: SessionEffects = {
    selfcheck: async () => selfcheckOf(world.readerPresent, world.inReader !== null),
    readCard: async () => {
      if (world.inReader === null) throw new ContractError('CARD_NOT_DETECTED');
      return world.inReader;
    },
    identifyCard: async () => ({ route: world.route, status: world.status, attemptsLeft: world.attemptsLeft }),
    verifyIdentity: async (input: VerifyIdentityInput) => {
      const right =
        input.route === world.route &&
        (input.route === 'self-applied'
          ? input.userCode === USER_CODE
          : input.responsibleId === NATIONAL_ID || input.responsibleId === BAD_CHECKSUM_ID);
      if (!right) {
        world.attemptsLeft -= 1;
        if (world.attemptsLeft <= 0) throw new ContractError('LOCKED');
        throw new ContractError('3005', undefined, { attemptsLeft: world.attemptsLeft });
      }
      world.attemptsLeft = 5;
      return {
        activationId: 'act-1',
        expiresAt: '2026-06-01T01:00:00Z',
        ...(world.acceptedAt === null ? {} : { acceptedAt: world.acceptedAt }),
      };
    },
    acceptCertificate: async () => {
      world.acceptedAt ??= '2026-06-01T00:05:00Z';
      return { acceptedAt: world.acceptedAt };
    },
    setPin: async () => ({ at: '2026-06-01T00:06:00Z', proof: PROOF }),
    completeActivation: async () => ({ activatedAt: '2026-06-01T00:06:01Z' }),
    ...options.effects,
  };
  const session = startSessionActor(fakes, { input: options.input });
  const insert = async (card: CardData = CARD) => {
    world.inReader = card;
    return session.send({ type: 'card.inserted', reader: 'reader-0' });
  };
  const remove = async () => {
    world.inReader = null;
    return session.send({ type: 'card.removed', reader: 'reader-0' });
  };
  return { ...session, world, insert, remove };
}

type Session = ReturnType<typeof startSession>;

async function ready(options: Parameters<typeof startSession>[0] = {}): Promise<Session> {
  const session = startSession(options);
  await settle();
  return session;
}

/** From the idle screen to the identity input of the card's route. */
async function toIdentityInput(session: Session) {
  await session.insert();
  return session.send({ type: 'user.choosePath', path: session.world.route });
}

async function toCardData(session: Session) {
  await toIdentityInput(session);
  return session.world.route === 'self-applied'
    ? session.send({ type: 'user.submitUserCode', userCode: USER_CODE })
    : session.send({ type: 'user.submitResponsibleId', responsibleId: NATIONAL_ID, birthDate: BIRTH_DATE_ROC });
}

async function toPin(session: Session) {
  await toCardData(session);
  await session.send({ type: 'user.confirmCardData' });
  if (session.world.route === 'registration-bundled') {
    await session.send({ type: 'user.submitContact', email: 'new@example.com.tw', userCode: 'Nw7#code', userCodeConfirm: 'Nw7#code' });
  }
  return session.view();
}

const errorOf = (view: View) => view.error?.code;

/**
 * An effect whose first `times` calls fail with `failure()` (by default 3125: the registry is down or
 * silent) and that then answers `answer`, as a registry coming back would.
 */
function failsFirst<Answer>(times: number, answer: Answer, failure: () => Error = () => new ContractError('3125')) {
  let left = times;
  return async () => {
    if (left-- > 0) throw failure();
    return answer;
  };
}

/** What the registry answers to an acceptance that worked. */
const ACCEPTED = { acceptedAt: '2026-06-01T00:05:00Z' };

describe('start-up and the reader', () => {
  it('checks the reader, then waits for a card on a wiped screen', async () => {
    const session = await ready();
    expect(session.views[0]).toMatchObject({ screen: 'outOfService', busy: true });
    expect(session.view()).toMatchObject({ screen: 'insertCard', busy: false, });
    expect(session.view().card).toBeUndefined();
    expect(session.callsOf('selfcheck')).toEqual([{ expectCard: false }]);
  });

  it('is out of service without a reader, and checks again when one is attached', async () => {
    const session = await ready({ world: { readerPresent: false } });
    expect(session.view()).toMatchObject({ screen: 'outOfService', error: { code: 'READER_NOT_FOUND', retryable: false } });
    session.world.readerPresent = true;
    expect((await session.send({ type: 'reader.attached', reader: 'reader-0' })).screen).toBe('insertCard');
  });

  it('checks again by itself after selfcheckRetryDelay, and on staff.resume', async () => {
    const session = await ready({ world: { readerPresent: false } });
    expect(session.view().deadline).toBe(new Date(NOW + DEFAULT_TIMING.selfcheckRetryDelay).toISOString());
    await session.advance(DEFAULT_TIMING.selfcheckRetryDelay - 1);
    expect(session.callsOf('selfcheck')).toHaveLength(1);
    await session.advance(1);
    expect(session.callsOf('selfcheck')).toHaveLength(2);
    session.world.readerPresent = true;
    expect((await session.send({ type: 'staff.resume' })).screen).toBe('insertCard');
  });

  it('is out of service when the card agent does not answer the self-test', async () => {
    const session = await ready({ effects: { selfcheck: async () => Promise.reject(new ContractError('3125')) } });
    expect(session.view()).toMatchObject({ screen: 'outOfService', error: { code: 'READER_NOT_FOUND' } });
  });

  it('reads a card that is already in the reader at start-up', async () => {
    const session = await ready({ world: { inReader: CARD } });
    expect(session.view().screen).toBe('choosePath');
    expect(session.callsOf('readCard')).toHaveLength(1);
  });

  it('goes out of service, wiping the session, when the reader is detached mid-session', async () => {
    const session = await ready();
    await toCardData(session);
    const view = await session.send({ type: 'reader.detached', reader: 'reader-0' });
    expect(view).toMatchObject({ screen: 'outOfService', error: { code: 'READER_NOT_FOUND' } });
    expect(view.card).toBeUndefined();
  });
});

describe('path A: self-applied', () => {
  it('runs insert → choose → user code → card data → accept → PIN → activated, then wipes', async () => {
    const session = await ready();
    await session.insert();
    expect(session.views.map((view) => view.screen)).toContain('readingCard');
    expect(session.view()).toMatchObject({ screen: 'choosePath', card: { cardNumber: CARD.cardNumber, route: 'self-applied' } });
    expect(session.callsOf('selfcheck').at(-1)).toEqual({ expectCard: true });
    expect(session.callsOf('identifyCard')).toEqual([{ cardNumber: CARD.cardNumber, certSerial: CARD.certSerial, certificateKeySha256: CARD.certificateKeySha256 }]);

    expect(await session.send({ type: 'user.choosePath', path: 'self-applied' })).toMatchObject({
      screen: 'enterUserCode',
      step: { index: 3, of: 7 },
      path: 'self-applied',
      deadline: new Date(NOW + DEFAULT_TIMING.idleTimeout).toISOString(),
    });
    // Full-width input from an IME is folded to ASCII before it is checked and sent.
    const confirm = await session.send({ type: 'user.submitUserCode', userCode: 'Ａｂ３＄ｘｙｚ９' });
    expect(session.views.at(-2)).toMatchObject({ screen: 'verifying', busy: true });
    expect(session.callsOf('verifyIdentity')).toEqual([
      { cardNumber: CARD.cardNumber, certSerial: CARD.certSerial, route: 'self-applied', userCode: USER_CODE },
    ]);
    expect(confirm).toMatchObject({ screen: 'confirmCardData', step: { index: 4, of: 7 } });
    expect(session.actor.getSnapshot().context.secrets).toEqual({});

    expect(await session.send({ type: 'user.confirmCardData' })).toMatchObject({ screen: 'enterPin', step: { index: 6, of: 7 } });
    expect(session.views.some((view) => view.screen === 'accepting' && view.step?.index === 5)).toBe(true);
    expect(session.callsOf('acceptCertificate')).toEqual([{ activationId: 'act-1' }]);

    const done = await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' });
    expect(session.callsOf('setPin')).toEqual([{ activationId: 'act-1', newPin: '246810' }]);
    expect(done).toMatchObject({ screen: 'activated', step: { index: 7, of: 7 } });
    expect(session.actor.getSnapshot().context.secrets).toEqual({});

    await session.advance(DEFAULT_TIMING.finishedScreenTimeout - 1);
    expect(session.view().screen).toBe('activated');
    const wiped = await session.advance(1);
    expect(wiped.screen).toBe('removeCard');
    expect(wiped.card).toBeUndefined();
  });

  it('produces only views that satisfy the contract schema', async () => {
    const session = await ready();
    await toPin(session);
    await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' });
    for (const view of session.views) expect(v.safeParse(ViewSchema, view).success).toBe(true);
    expect(session.views.every((view, index) => view.seq === index)).toBe(true);
  });
});

describe('path B: registration-bundled', () => {
  it('runs ID + ROC birth date → card data → contact → accept → PIN → activated, in 8 steps', async () => {
    const session = await ready({ world: { route: 'registration-bundled' } });
    expect(await toIdentityInput(session)).toMatchObject({ screen: 'enterResponsibleId', step: { index: 3, of: 8 } });
    const confirm = await session.send({ type: 'user.submitResponsibleId', responsibleId: ' a123456789 ', birthDate: BIRTH_DATE_ROC });
    expect(session.callsOf('verifyIdentity')).toEqual([
      {
        cardNumber: CARD.cardNumber,
        certSerial: CARD.certSerial,
        route: 'registration-bundled',
        responsibleId: NATIONAL_ID,
        birthDate: BIRTH_DATE_ISO,
      },
    ]);
    expect(confirm).toMatchObject({ screen: 'confirmCardData', step: { index: 4, of: 8 } });
    expect(await session.send({ type: 'user.confirmCardData' })).toMatchObject({ screen: 'enterContact', step: { index: 5, of: 8 } });
    expect(session.callsOf('acceptCertificate')).toEqual([]);
    const pin = await session.send({
      type: 'user.submitContact',
      email: 'new@example.com.tw',
      userCode: 'Nw7#code',
      userCodeConfirm: 'Nw7#code',
    });
    expect(session.views.some((view) => view.screen === 'accepting' && view.step?.index === 6)).toBe(true);
    expect(session.callsOf('acceptCertificate')).toEqual([
      { activationId: 'act-1', contactEmail: 'new@example.com.tw', newUserCode: 'Nw7#code' },
    ]);
    expect(pin).toMatchObject({ screen: 'enterPin', step: { index: 7, of: 8 } });
    expect(session.actor.getSnapshot().context.secrets).toEqual({});
    expect(await session.send({ type: 'user.submitPin', pin: 'Pw#12345', pinConfirm: 'Pw#12345' })).toMatchObject({
      screen: 'activated',
      step: { index: 8, of: 8 },
    });
  });

  it('sends no birth date when none is given', async () => {
    const session = await ready({ world: { route: 'registration-bundled' } });
    await toIdentityInput(session);
    await session.send({ type: 'user.submitResponsibleId', responsibleId: NATIONAL_ID, birthDate: '' });
    expect(session.callsOf('verifyIdentity')[0]).not.toHaveProperty('birthDate');
  });

  it('warns on a failing ID checksum: confirm goes on, correct goes back, staff may override', async () => {
    const session = await ready({ world: { route: 'registration-bundled' } });
    await toIdentityInput(session);
    expect(await session.send({ type: 'user.submitResponsibleId', responsibleId: BAD_CHECKSUM_ID })).toMatchObject({
      screen: 'idChecksumWarning',
      accepts: expect.arrayContaining(['user.confirmIdWarning', 'user.correctId', 'staff.overrideIdWarning']),
    });
    expect(session.callsOf('verifyIdentity')).toEqual([]);
    expect((await session.send({ type: 'user.correctId' })).screen).toBe('enterResponsibleId');
    expect(session.actor.getSnapshot().context.secrets).toEqual({});

    await session.send({ type: 'user.submitResponsibleId', responsibleId: BAD_CHECKSUM_ID });
    expect((await session.send({ type: 'user.confirmIdWarning' })).screen).toBe('confirmCardData');
    expect(session.callsOf('verifyIdentity')).toEqual([
      expect.objectContaining({ route: 'registration-bundled', responsibleId: BAD_CHECKSUM_ID }),
    ]);

    const other = await ready({ world: { route: 'registration-bundled' } });
    await toIdentityInput(other);
    await other.send({ type: 'user.submitResponsibleId', responsibleId: BAD_CHECKSUM_ID });
    expect((await other.send({ type: 'staff.overrideIdWarning' })).screen).toBe('confirmCardData');
  });
});

describe('the wrong path', () => {
  it('tells the user the right path instead of a bare 3005, and the right choice goes on', async () => {
    const session = await ready({ world: { route: 'registration-bundled' } });
    await session.insert();
    const wrong = await session.send({ type: 'user.choosePath', path: 'self-applied' });
    expect(wrong).toMatchObject({
      screen: 'failed',
      error: { code: 'WRONG_PATH', retryable: true },
      card: { route: 'registration-bundled' },
      accepts: expect.arrayContaining(['user.choosePath']),
    });
    expect(session.callsOf('verifyIdentity')).toEqual([]);
    expect(session.actor.getSnapshot().can({ type: 'user.choosePath', path: 'self-applied' })).toBe(false);
    expect((await session.send({ type: 'user.choosePath', path: 'registration-bundled' })).screen).toBe('enterResponsibleId');
  });

  it('user.reset on WRONG_PATH goes back to the path choice', async () => {
    const session = await ready();
    await session.insert();
    await session.send({ type: 'user.choosePath', path: 'registration-bundled' });
    expect((await session.send({ type: 'user.reset' })).screen).toBe('choosePath');
  });

  it('routes a WRONG_PATH from the registry to the same state', async () => {
    const session = await ready({ effects: { verifyIdentity: async () => Promise.reject(new ContractError('WRONG_PATH')) } });
    await toCardData(session);
    expect(errorOf(session.view())).toBe('WRONG_PATH');
  });
});

describe('input checks on the input screens', () => {
  const cases: Array<{ name: string; route: ActivationPath; setup: (s: Session) => Promise<unknown>; event: Parameters<Session['send']>[0]; screen: string; code: ErrorCode }> = [
    { name: 'user code too short', route: 'self-applied', setup: toIdentityInput, event: { type: 'user.submitUserCode', userCode: 'abc' }, screen: 'enterUserCode', code: 'USER_CODE_FORMAT' },
    { name: 'user code with a space', route: 'self-applied', setup: toIdentityInput, event: { type: 'user.submitUserCode', userCode: 'Ab3 xyz9' }, screen: 'enterUserCode', code: 'USER_CODE_FORMAT' },
    { name: 'ID of no known format', route: 'registration-bundled', setup: toIdentityInput, event: { type: 'user.submitResponsibleId', responsibleId: 'A1234' }, screen: 'enterResponsibleId', code: 'ID_FORMAT' },
    { name: 'ID of 21 characters', route: 'registration-bundled', setup: toIdentityInput, event: { type: 'user.submitResponsibleId', responsibleId: 'P12345678901234567890' }, screen: 'enterResponsibleId', code: 'ID_FORMAT' },
    { name: 'ID with a hyphen', route: 'registration-bundled', setup: toIdentityInput, event: { type: 'user.submitResponsibleId', responsibleId: 'P-1234567' }, screen: 'enterResponsibleId', code: 'ID_FORMAT' },
    { name: 'birth date in the future', route: 'registration-bundled', setup: toIdentityInput, event: { type: 'user.submitResponsibleId', responsibleId: NATIONAL_ID, birthDate: '2999-01-01' }, screen: 'enterResponsibleId', code: 'BIRTH_DATE_FORMAT' },
    { name: 'e-mail without a domain', route: 'registration-bundled', setup: async (s) => { await toCardData(s); await s.send({ type: 'user.confirmCardData' }); }, event: { type: 'user.submitContact', email: 'someone@', userCode: 'Nw7#code', userCodeConfirm: 'Nw7#code' }, screen: 'enterContact', code: 'EMAIL_FORMAT' },
    { name: 'new user code too long', route: 'registration-bundled', setup: async (s) => { await toCardData(s); await s.send({ type: 'user.confirmCardData' }); }, event: { type: 'user.submitContact', email: 'new@example.com.tw', userCode: 'Nw7#code-too-long', userCodeConfirm: 'Nw7#code-too-long' }, screen: 'enterContact', code: 'USER_CODE_FORMAT' },
    { name: 'new user codes differ (case matters)', route: 'registration-bundled', setup: async (s) => { await toCardData(s); await s.send({ type: 'user.confirmCardData' }); }, event: { type: 'user.submitContact', email: 'new@example.com.tw', userCode: 'Nw7#code', userCodeConfirm: 'nw7#code' }, screen: 'enterContact', code: 'USER_CODE_MISMATCH' },
    { name: 'PIN too short', route: 'self-applied', setup: toPin, event: { type: 'user.submitPin', pin: '12345', pinConfirm: '12345' }, screen: 'enterPin', code: 'PIN_FORMAT' },
    { name: 'PIN too long', route: 'self-applied', setup: toPin, event: { type: 'user.submitPin', pin: '123456789', pinConfirm: '123456789' }, screen: 'enterPin', code: 'PIN_FORMAT' },
    { name: 'PINs differ', route: 'self-applied', setup: toPin, event: { type: 'user.submitPin', pin: '246810', pinConfirm: '246811' }, screen: 'enterPin', code: 'PIN_MISMATCH' },
  ];

  for (const testCase of cases) {
    it(`${testCase.name}: ${testCase.code} on ${testCase.screen}, nothing sent, and user.reset clears it`, async () => {
      const session = await ready({ world: { route: testCase.route } });
      await testCase.setup(session);
      const callsBefore = session.calls.length;
      const view = await session.send(testCase.event);
      expect(view).toMatchObject({ screen: testCase.screen, error: { code: testCase.code, retryable: true } });
      expect(session.calls.length).toBe(callsBefore);
      expect(session.actor.getSnapshot().context.secrets).toEqual({});
      const reset = await session.send({ type: 'user.reset' });
      expect(reset.screen).toBe(testCase.screen);
      expect(reset.error).toBeUndefined();
    });
  }

  it('narrows the PIN length to what the token allows', async () => {
    const narrow: CardData = { ...CARD, pinFlags: { ...CARD.pinFlags, minPinLength: 8, maxPinLength: 8 } };
    const session = await ready();
    session.world.inReader = narrow;
    await session.send({ type: 'card.inserted', reader: 'reader-0' });
    await session.send({ type: 'user.choosePath', path: 'self-applied' });
    await session.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    await session.send({ type: 'user.confirmCardData' });
    expect(errorOf(await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' }))).toBe('PIN_FORMAT');
    expect((await session.send({ type: 'user.submitPin', pin: '24681012', pinConfirm: '24681012' })).screen).toBe('activated');
  });

  it('shows a PIN_FORMAT from the card agent on the PIN screen', async () => {
    const session = await ready({ effects: { setPin: async () => Promise.reject(new ContractError('PIN_FORMAT')) } });
    await toPin(session);
    expect(await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' })).toMatchObject({
      screen: 'enterPin',
      error: { code: 'PIN_FORMAT' },
    });
  });

  it('user.reset is accepted on every input screen', async () => {
    const a = await ready();
    await a.insert();
    expect(a.view().accepts).toContain('user.reset');
    expect((await a.send({ type: 'user.reset' })).screen).toBe('choosePath');
    await a.send({ type: 'user.choosePath', path: 'self-applied' });
    expect(a.view().accepts).toContain('user.reset');
    await a.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    expect(a.view().accepts).toContain('user.reset');
    expect((await a.send({ type: 'user.reset' })).screen).toBe('confirmCardData');
    await a.send({ type: 'user.confirmCardData' });
    expect(a.view().accepts).toContain('user.reset');

    const b = await ready({ world: { route: 'registration-bundled' } });
    await toIdentityInput(b);
    expect(b.view().accepts).toContain('user.reset');
    await b.send({ type: 'user.submitResponsibleId', responsibleId: BAD_CHECKSUM_ID });
    expect((await b.send({ type: 'user.reset' })).screen).toBe('enterResponsibleId');
    expect(b.actor.getSnapshot().context.secrets).toEqual({});
    await b.send({ type: 'user.submitResponsibleId', responsibleId: NATIONAL_ID });
    await b.send({ type: 'user.confirmCardData' });
    expect(b.view()).toMatchObject({ screen: 'enterContact', accepts: expect.arrayContaining(['user.reset']) });
  });
});

describe('proving identity: 3005 and the lock', () => {
  it('returns to the input screen with 3005 and the attempts left, then locks after 5 wrong tries', async () => {
    const session = await ready();
    await toIdentityInput(session);
    for (let left = 4; left >= 1; left -= 1) {
      const view = await session.send({ type: 'user.submitUserCode', userCode: 'Wr0ng!code' });
      expect(view).toMatchObject({ screen: 'enterUserCode', error: { code: '3005', retryable: true, attemptsLeft: left } });
      expect(session.actor.getSnapshot().context.secrets).toEqual({});
    }
    const locked = await session.send({ type: 'user.submitUserCode', userCode: 'Wr0ng!code' });
    expect(locked).toMatchObject({ screen: 'failed', error: { code: 'LOCKED', retryable: false } });
    expect(session.actor.getSnapshot().hasTag('needsStaff')).toBe(true);
    expect(session.callsOf('verifyIdentity')).toHaveLength(5);
  });

  it('staff.unlocked returns to the identity input with the attempts reset', async () => {
    const session = await ready({ world: { route: 'registration-bundled', attemptsLeft: 1 } });
    await toIdentityInput(session);
    await session.send({ type: 'user.submitResponsibleId', responsibleId: 'B123456780' });
    expect(errorOf(session.view())).toBe('LOCKED');
    session.world.attemptsLeft = 5;
    const back = await session.send({ type: 'staff.unlocked' });
    expect(back).toMatchObject({ screen: 'enterResponsibleId' });
    expect(back.error).toBeUndefined();
    expect(session.actor.getSnapshot().context.attemptsLeft).toBeNull();
    expect((await session.send({ type: 'user.submitResponsibleId', responsibleId: NATIONAL_ID })).screen).toBe('confirmCardData');
  });

  it('a card the registry reports locked is LOCKED before any input; unlocking leads to its input', async () => {
    const session = await ready({ world: { status: 'locked' } });
    expect(errorOf(await session.insert())).toBe('LOCKED');
    expect((await session.send({ type: 'staff.unlocked' })).screen).toBe('enterUserCode');
  });

  it('staff.unlocked also works when the user had called staff from the lock screen', async () => {
    const session = await ready({ world: { status: 'locked' } });
    await session.insert();
    expect((await session.send({ type: 'user.callStaff' })).screen).toBe('staffAssist');
    expect((await session.send({ type: 'staff.unlocked' })).screen).toBe('enterUserCode');
  });
});

describe('acceptance: automatic retry on 3125', () => {
  it('resends the same acceptance after a back-off and the user never sees 3125', async () => {
    const session = await ready({ effects: { acceptCertificate: failsFirst(1, ACCEPTED) } });
    await toCardData(session);
    const waiting = await session.send({ type: 'user.confirmCardData' });
    expect(waiting).toMatchObject({ screen: 'accepting', busy: true });
    expect(waiting.error).toBeUndefined();
    await session.advance(DEFAULT_TIMING.acceptRetryBaseDelay - 1);
    expect(session.callsOf('acceptCertificate')).toHaveLength(1);
    expect((await session.advance(1)).screen).toBe('enterPin');
    expect(session.callsOf('acceptCertificate')).toEqual([{ activationId: 'act-1' }, { activationId: 'act-1' }]);
    expect(session.views.some((view) => errorOf(view) === '3125')).toBe(false);
  });

  it('keeps path B contact data through the retries and forgets it once accepted', async () => {
    const session = await ready({
      world: { route: 'registration-bundled' },
      effects: { acceptCertificate: failsFirst(2, ACCEPTED) },
    });
    await toPin(session);
    await session.advance(DEFAULT_TIMING.acceptRetryBaseDelay);
    await session.advance(DEFAULT_TIMING.acceptRetryBaseDelay * 2);
    expect(session.view().screen).toBe('enterPin');
    const sent = session.callsOf('acceptCertificate');
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((input) => JSON.stringify(input))).size).toBe(1);
    expect(session.actor.getSnapshot().context.secrets).toEqual({});
  });

  it('backs off 1 s, 2 s, 4 s, then shows 3125 with a retry that starts the acceptance again', async () => {
    const session = await ready({ effects: { acceptCertificate: failsFirst(4, ACCEPTED) } });
    await toCardData(session);
    await session.send({ type: 'user.confirmCardData' });
    for (const delay of [1_000, 2_000, 4_000]) {
      const count = session.callsOf('acceptCertificate').length;
      await session.advance(delay - 1);
      expect(session.callsOf('acceptCertificate')).toHaveLength(count);
      await session.advance(1);
      expect(session.callsOf('acceptCertificate')).toHaveLength(count + 1);
    }
    const failed = session.view();
    expect(failed).toMatchObject({ screen: 'failed', error: { code: '3125', retryable: true }, accepts: expect.arrayContaining(['user.reset']) });
    expect((await session.send({ type: 'user.reset' })).screen).toBe('confirmCardData');
    expect((await session.send({ type: 'user.confirmCardData' })).screen).toBe('enterPin');
    expect(session.callsOf('acceptCertificate')).toHaveLength(5);
  });

  it('turns an unexplained acceptance failure into 3125 (retried) rather than a crash', async () => {
    const session = await ready({ effects: { acceptCertificate: failsFirst(1, ACCEPTED, () => new Error('socket hang up')) } });
    await toCardData(session);
    await session.send({ type: 'user.confirmCardData' });
    expect((await session.advance(1_000)).screen).toBe('enterPin');
  });
});

describe('registry status and card state', () => {
  const statuses: Array<[CardRecordStatus, ErrorCode]> = [
    ['revoked', '4931'],
    ['suspended', 'SUSPENDED'],
    ['activated', 'ALREADY_ACTIVATED'],
    ['used-before-activation', '27011'],
    ['returned', '27011'],
    ['locked', 'LOCKED'],
  ];
  for (const [status, code] of statuses) {
    it(`a ${status} record stops at ${code}`, async () => {
      const session = await ready({ world: { status } });
      const view = await session.insert();
      expect(view).toMatchObject({ screen: 'failed', error: { code, retryable: false } });
      expect(session.callsOf('verifyIdentity')).toEqual([]);
    });
  }

  it('27011 when the token PIN was tried before activation; staff.takeCard ends the session', async () => {
    const session = await ready();
    const used: CardData = { ...CARD, pinFlags: { ...CARD.pinFlags, userPinCountLow: true } };
    const view = await session.insert(used);
    expect(view).toMatchObject({ screen: 'failed', error: { code: '27011' } });
    expect(session.actor.getSnapshot().hasTag('needsStaff')).toBe(true);
    const ended = await session.send({ type: 'staff.takeCard' });
    expect(ended.screen).toBe('insertCard');
    expect(ended.card).toBeUndefined();
  });

  for (const flag of ['userPinFinalTry', 'userPinLocked'] as const) {
    it(`27011 on ${flag}`, async () => {
      const session = await ready();
      expect(errorOf(await session.insert({ ...CARD, pinFlags: { ...CARD.pinFlags, [flag]: true } }))).toBe('27011');
    });
  }

  it('CERT_EXPIRED outside the validity period, either side', async () => {
    const expired = await ready();
    expect(errorOf(await expired.insert({ ...CARD, validTo: '2026-05-31T23:59:59Z' }))).toBe('CERT_EXPIRED');
    const early = await ready();
    expect(errorOf(await early.insert({ ...CARD, validFrom: '2026-06-01T00:00:01Z' }))).toBe('CERT_EXPIRED');
    expect(early.callsOf('identifyCard')).toEqual([]);
  });

  it('UNKNOWN_CARD when the registry does not know the card', async () => {
    const session = await ready({ effects: { identifyCard: async () => Promise.reject(new ContractError('UNKNOWN_CARD')) } });
    expect(await session.insert()).toMatchObject({ screen: 'failed', error: { code: 'UNKNOWN_CARD', retryable: false } });
  });

  it('3125 when identify gets no answer; retry asks the registry again', async () => {
    const identified = { route: 'self-applied', status: 'issued', attemptsLeft: 5 } as const;
    const session = await ready({ effects: { identifyCard: failsFirst(1, identified, () => new Error('request timed out')) } });
    expect(errorOf(await session.insert())).toBe('3125');
    expect((await session.send({ type: 'user.reset' })).screen).toBe('choosePath');
    expect(session.callsOf('identifyCard')).toHaveLength(2);
  });

  it('3125 on verify: retry goes back to the identity input', async () => {
    const session = await ready({ effects: { verifyIdentity: async () => Promise.reject(new ContractError('3125')) } });
    await toCardData(session);
    expect(errorOf(session.view())).toBe('3125');
    expect(session.actor.getSnapshot().context.secrets).toEqual({});
    expect((await session.send({ type: 'user.reset' })).screen).toBe('enterUserCode');
  });

  it('BAD_REQUEST from the registry stops with staff', async () => {
    const session = await ready({ effects: { verifyIdentity: async () => Promise.reject(new ContractError('BAD_REQUEST')) } });
    await toCardData(session);
    expect(session.view()).toMatchObject({ screen: 'failed', error: { code: 'BAD_REQUEST' } });
    expect(session.actor.getSnapshot().hasTag('needsStaff')).toBe(true);
  });

  it('an input code where none can come is a BAD_REQUEST, not a silent loop', async () => {
    const session = await ready({ effects: { identifyCard: async () => Promise.reject(new ContractError('PIN_MISMATCH')) } });
    expect(errorOf(await session.insert())).toBe('BAD_REQUEST');
  });
});

describe('reading the card', () => {
  it('CARD_NOT_DETECTED when the self-test finds no card; taking it out ends the session', async () => {
    const session = await ready({ effects: { selfcheck: async ({ expectCard }) => selfcheckOf(true, !expectCard) } });
    expect(await session.insert()).toMatchObject({ screen: 'failed', error: { code: 'CARD_NOT_DETECTED', retryable: true } });
    expect((await session.remove()).screen).toBe('insertCard');
  });

  it('CARD_UNREADABLE when the token fails the self-test', async () => {
    const session = await ready({ effects: { selfcheck: async ({ expectCard }) => selfcheckOf(true, expectCard, false) } });
    expect(errorOf(await session.insert())).toBe('CARD_UNREADABLE');
  });

  it('CARD_NOT_DETECTED and CARD_UNREADABLE from the read itself', async () => {
    for (const code of ['CARD_NOT_DETECTED', 'CARD_UNREADABLE'] as const) {
      const session = await ready({ effects: { readCard: async () => Promise.reject(new ContractError(code)) } });
      expect(errorOf(await session.insert())).toBe(code);
    }
  });

  it('READER_NOT_FOUND from the read, twice in a session, takes the kiosk out of service', async () => {
    const session = await ready({ effects: { readCard: async () => Promise.reject(new ContractError('READER_NOT_FOUND')) } });
    expect(await session.insert()).toMatchObject({ screen: 'outOfService', error: { code: 'READER_NOT_FOUND' } });
    expect(session.callsOf('readCard')).toHaveLength(2);
  });

  it('a read nobody answered (READER_NOT_FOUND) checks the kiosk and card again and reads again, once', async () => {
    const session = await ready({ effects: { readCard: failsFirst(1, CARD, () => new ContractError('READER_NOT_FOUND')) } });
    const selfchecksBefore = session.callsOf('selfcheck').length;
    expect(await session.insert()).toMatchObject({ screen: 'choosePath' });
    expect(session.callsOf('readCard')).toHaveLength(2);
    expect(session.callsOf('selfcheck')).toHaveLength(selfchecksBefore + 2);
    expect(session.views.some((view) => view.error !== undefined)).toBe(false);
  });

  it('the one re-read is per session: the next session gets its own', async () => {
    let silent = 1;
    const session = await ready({
      effects: {
        readCard: async () => {
          if (silent-- > 0) throw new ContractError('READER_NOT_FOUND');
          return CARD;
        },
      },
    });
    expect(await session.insert()).toMatchObject({ screen: 'choosePath' });
    await session.send({ type: 'user.cancel' });
    await session.remove();
    silent = 1;
    expect(await session.insert()).toMatchObject({ screen: 'choosePath' });
  });

  it('a card taken out while it is being read just ends the session', async () => {
    let release: (card: CardData) => void = () => undefined;
    const session = await ready({ effects: { readCard: () => new Promise<CardData>((resolve) => (release = resolve)) } });
    await session.insert();
    expect(session.view().screen).toBe('readingCard');
    expect((await session.remove()).screen).toBe('insertCard');
    release(CARD);
    await settle();
    expect(session.view().screen).toBe('insertCard');
  });
});

describe('confirming the card data', () => {
  it('DATA_DISPUTED stops with staff; staff.resume returns to the card data', async () => {
    const session = await ready();
    await toCardData(session);
    const disputed = await session.send({ type: 'user.disputeCardData' });
    expect(disputed).toMatchObject({ screen: 'failed', error: { code: 'DATA_DISPUTED', retryable: false } });
    expect(session.actor.getSnapshot().hasTag('needsStaff')).toBe(true);
    expect(session.callsOf('acceptCertificate')).toEqual([]);
    expect((await session.send({ type: 'staff.resume' })).screen).toBe('confirmCardData');
  });
});

describe('the per-session self-check', () => {
  it("keeps the code of a failing token check (a certificate without a UBN is UNKNOWN_CARD, not CARD_UNREADABLE)", async () => {
    let inserted = false;
    const session = await ready({
      effects: {
        selfcheck: async () => {
          const checks = selfcheckOf(true, inserted, false).checks.map((check) =>
            check.id === 'token' && inserted ? { ...check, code: 'UNKNOWN_CARD' as const } : check,
          );
          return { ok: checks.every((check) => check.ok), checks };
        },
      },
    });
    inserted = true;
    expect(errorOf(await session.insert())).toBe('UNKNOWN_CARD');
  });

  it('is CARD_UNREADABLE when the failing token check names no code', async () => {
    let inserted = false;
    const session = await ready({ effects: { selfcheck: async () => selfcheckOf(true, inserted, false) } });
    inserted = true;
    expect(errorOf(await session.insert())).toBe('CARD_UNREADABLE');
  });
});

describe('completing the activation after the PIN is set', () => {
  /** `complete` answers 3125 (a registry that is down or silent: the engine's timeout is 3125 too) `failures` times. */
  const registryDownAtComplete = (failures: number) => ({ completeActivation: failsFirst(failures, { activatedAt: '2026-06-01T00:07:00Z' }) });

  it('tells the registry with the proof the card agent returned', async () => {
    const session = await ready();
    await toPin(session);
    expect((await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' })).screen).toBe('activated');
    expect(session.callsOf('completeActivation')).toEqual([{ activationId: 'act-1', cardNumber: CARD.cardNumber, proof: PROOF }]);
  });

  it('resends complete with back-off while the registry is down, and never asks for the PIN again', async () => {
    const session = await ready({ effects: registryDownAtComplete(5) });
    await toPin(session);
    const before = session.views.length;
    const waiting = await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' });
    expect(waiting).toMatchObject({ screen: 'settingPin', busy: true });
    expect(session.actor.getSnapshot().value).toEqual({ session: 'awaitingCompletionRetry' });
    // 1 s, 2 s, 4 s, 8 s, 16 s: each back-off ends in one more try.
    for (const [tries, delay] of [[2, 1_000], [3, 2_000], [4, 4_000], [5, 8_000], [6, 16_000]] as const) {
      await session.advance(delay);
      expect(session.callsOf('completeActivation')).toHaveLength(tries);
    }
    expect(session.view().screen).toBe('activated');
    const shown = session.views.slice(before).map((view) => view.screen);
    expect(shown).not.toContain('enterPin');
    expect(shown.some((screen) => screen === 'failed')).toBe(false);
    expect(session.callsOf('setPin')).toHaveLength(1);
  });

  it('caps the back-off and keeps trying however long the registry stays down', async () => {
    const session = await ready({ effects: registryDownAtComplete(12) });
    await toPin(session);
    await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' });
    for (let tries = 2; tries <= 13; tries++) {
      await session.advance(DEFAULT_TIMING.completeRetryMaxDelay);
      expect(session.callsOf('completeActivation')).toHaveLength(tries);
    }
    expect(session.view().screen).toBe('activated');
    expect(session.callsOf('setPin')).toHaveLength(1);
  });

  it('keeps completing when the card is taken out: the proof is already in hand', async () => {
    const session = await ready({ effects: registryDownAtComplete(1) });
    await toPin(session);
    await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' });
    expect((await session.remove()).screen).toBe('settingPin');
    expect((await session.advance(1_000)).screen).toBe('activated');
  });

  it('hands an unfinished complete to the engine when the session ends before the registry answers', async () => {
    const session = await ready({ effects: registryDownAtComplete(3) });
    const handedOver: unknown[] = [];
    session.actor.on('completion.handedOver', (event) => handedOver.push(event.input));
    await toPin(session);
    await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' });
    expect(session.actor.getSnapshot().value).toEqual({ session: 'awaitingCompletionRetry' });
    expect(handedOver).toEqual([]);
    expect((await session.send({ type: 'staff.abort', staffId: 'S01' })).screen).toBe('removeCard');
    expect(handedOver).toEqual([{ activationId: 'act-1', cardNumber: CARD.cardNumber, proof: PROOF }]);
  });

  it('hands nothing over once the registry has the activation, nor for a session that never set a PIN', async () => {
    const done = await ready();
    const fromDone: unknown[] = [];
    done.actor.on('completion.handedOver', (event) => fromDone.push(event));
    await toPin(done);
    await done.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' });
    await done.remove();
    const early = await ready();
    const fromEarly: unknown[] = [];
    early.actor.on('completion.handedOver', (event) => fromEarly.push(event));
    await toPin(early);
    await early.send({ type: 'staff.abort', staffId: 'S01' });
    expect([fromDone, fromEarly]).toEqual([[], []]);
  });

  it('shows the registry\'s refusal of the proof as CARD_MISMATCH', async () => {
    const session = await ready({ effects: { completeActivation: async () => Promise.reject(new ContractError('CARD_MISMATCH')) } });
    const handedOver: unknown[] = [];
    session.actor.on('completion.handedOver', (event) => handedOver.push(event));
    await toPin(session);
    const refused = await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' });
    expect(refused).toMatchObject({ screen: 'failed', error: { code: 'CARD_MISMATCH' } });
    // A refusal is an answer: the session's end hands nothing over to be sent again.
    await session.send({ type: 'staff.abort', staffId: 'S01' });
    expect(handedOver).toEqual([]);
  });
});

describe('expired activation and the walked-away card', () => {
  it('SESSION_EXPIRED at setPin: start again, prove identity, and go straight to the PIN', async () => {
    let expire = true;
    const session = await ready({
      effects: {
        setPin: async () => {
          if (expire) {
            expire = false;
            throw new ContractError('SESSION_EXPIRED');
          }
          return { at: '2026-06-01T00:06:00Z', proof: PROOF };
        },
      },
    });
    await toPin(session);
    const expired = await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' });
    expect(expired).toMatchObject({ screen: 'failed', error: { code: 'SESSION_EXPIRED', retryable: true } });
    expect((await session.send({ type: 'user.reset' })).screen).toBe('choosePath');
    await session.send({ type: 'user.choosePath', path: 'self-applied' });
    expect((await session.send({ type: 'user.submitUserCode', userCode: USER_CODE })).screen).toBe('enterPin');
    expect(session.callsOf('acceptCertificate')).toHaveLength(1);
    expect((await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' })).screen).toBe('activated');
  });

  it('SESSION_EXPIRED at accept', async () => {
    const session = await ready({ effects: { acceptCertificate: async () => Promise.reject(new ContractError('SESSION_EXPIRED')) } });
    await toCardData(session);
    expect(errorOf(await session.send({ type: 'user.confirmCardData' }))).toBe('SESSION_EXPIRED');
  });

  it('a card accepted earlier but with no PIN set resumes at the PIN after identity is proved again', async () => {
    const session = await ready({ world: { status: 'accepted', acceptedAt: '2026-05-30T09:00:00Z' } });
    await toIdentityInput(session);
    const pin = await session.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    expect(pin).toMatchObject({ screen: 'enterPin', step: { index: 6, of: 7 } });
    expect(session.callsOf('acceptCertificate')).toEqual([]);
    expect(session.actor.getSnapshot().context.activation).toMatchObject({ acceptedAt: '2026-05-30T09:00:00Z' });
    expect((await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' })).screen).toBe('activated');
  });

  it('the same for path B: no contact step again', async () => {
    const session = await ready({ world: { route: 'registration-bundled', status: 'accepted', acceptedAt: '2026-05-30T09:00:00Z' } });
    await toIdentityInput(session);
    expect((await session.send({ type: 'user.submitResponsibleId', responsibleId: NATIONAL_ID })).screen).toBe('enterPin');
  });
});

describe('card removed mid-session', () => {
  it('waits reinsertGrace for the card; the same card resumes where it was', async () => {
    const session = await ready();
    await toPin(session);
    const removed = await session.remove();
    expect(removed).toMatchObject({
      screen: 'cardRemoved',
      returnScreen: 'enterPin',
      deadline: new Date(NOW + DEFAULT_TIMING.reinsertGrace).toISOString(),
    });
    await session.advance(DEFAULT_TIMING.reinsertGrace - 1);
    const back = await session.insert();
    expect(back.screen).toBe('enterPin');
    expect(session.callsOf('readCard').at(-1)).toEqual({ reason: 'reinserted' });
    expect((await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' })).screen).toBe('activated');
  });

  it('a different card is CARD_SWAPPED; taking it out and putting the first back resumes', async () => {
    const session = await ready();
    await toCardData(session);
    await session.remove();
    const swapped = await session.insert(OTHER_CARD);
    expect(swapped).toMatchObject({ screen: 'failed', error: { code: 'CARD_SWAPPED', retryable: true }, card: { cardNumber: CARD.cardNumber } });
    expect((await session.remove()).screen).toBe('cardRemoved');
    expect((await session.insert(CARD)).screen).toBe('confirmCardData');
  });

  it('ends the session, wiped, when the grace period passes', async () => {
    const session = await ready();
    await toCardData(session);
    await session.remove();
    const ended = await session.advance(DEFAULT_TIMING.reinsertGrace);
    expect(ended.screen).toBe('insertCard');
    expect(ended.card).toBeUndefined();
    expect(session.actor.getSnapshot().context).toMatchObject({ card: null, route: null, activation: null, resumeAt: null });
    // A new insertion is a new session, read and identified from scratch.
    expect((await session.insert()).screen).toBe('choosePath');
  });

  it('a card pulled during verification forgets the user code and resumes at the input', async () => {
    let answer: () => void = () => undefined;
    const session = await ready({
      effects: {
        verifyIdentity: () =>
          new Promise((resolve) => (answer = () => resolve({ activationId: 'act-1', expiresAt: '2026-06-01T01:00:00Z' }))),
      },
    });
    await toIdentityInput(session);
    await session.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    expect(session.view().screen).toBe('verifying');
    await session.remove();
    expect(session.actor.getSnapshot().context.secrets).toEqual({});
    answer();
    await settle();
    expect(session.view().screen).toBe('cardRemoved');
    expect((await session.insert()).screen).toBe('enterUserCode');
  });

  it('a card used elsewhere while it was out is 27011', async () => {
    const session = await ready();
    await toCardData(session);
    await session.remove();
    expect(errorOf(await session.insert({ ...CARD, pinFlags: { ...CARD.pinFlags, userPinCountLow: true } }))).toBe('27011');
  });

  it('removing the card after activation, or on a final failure, just ends the session', async () => {
    const done = await ready();
    await toPin(done);
    await done.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' });
    expect((await done.remove()).screen).toBe('insertCard');

    const revoked = await ready({ world: { status: 'revoked' } });
    await revoked.insert();
    expect((await revoked.remove()).screen).toBe('insertCard');
  });
});

describe('idle timeout and "still there?"', () => {
  it('asks after idleTimeout; user.stillHere returns to the same screen with its error', async () => {
    const session = await ready();
    await toIdentityInput(session);
    await session.send({ type: 'user.submitUserCode', userCode: 'Wr0ng!code' });
    await session.advance(DEFAULT_TIMING.idleTimeout - 1);
    expect(session.view().screen).toBe('enterUserCode');
    const asked = await session.advance(1);
    expect(asked).toMatchObject({
      screen: 'stillThere',
      returnScreen: 'enterUserCode',
      accepts: expect.arrayContaining(['user.stillHere']),
      deadline: new Date(NOW + DEFAULT_TIMING.idleTimeout + DEFAULT_TIMING.stillThereTimeout).toISOString(),
    });
    await session.advance(DEFAULT_TIMING.stillThereTimeout - 1);
    const back = await session.send({ type: 'user.stillHere' });
    expect(back).toMatchObject({ screen: 'enterUserCode', error: { code: '3005', attemptsLeft: 4 } });
    // The timer starts over.
    expect(back.deadline).toBe(new Date(session.clock.now() + DEFAULT_TIMING.idleTimeout).toISOString());
  });

  it('drops entered secrets: the ID warning comes back as the ID input', async () => {
    const session = await ready({ world: { route: 'registration-bundled' } });
    await toIdentityInput(session);
    await session.send({ type: 'user.submitResponsibleId', responsibleId: BAD_CHECKSUM_ID });
    await session.advance(DEFAULT_TIMING.idleTimeout);
    expect(session.view().screen).toBe('stillThere');
    expect(session.actor.getSnapshot().context.secrets).toEqual({});
    expect((await session.send({ type: 'user.stillHere' })).screen).toBe('enterResponsibleId');
  });

  it('ends the session, wiped, with no answer within stillThereTimeout', async () => {
    const session = await ready();
    await toCardData(session);
    await session.advance(DEFAULT_TIMING.idleTimeout);
    const ended = await session.advance(DEFAULT_TIMING.stillThereTimeout);
    expect(ended.screen).toBe('removeCard');
    expect(ended.card).toBeUndefined();
  });

  it('gives at least 20 s to answer, whatever the configuration says', async () => {
    const session = await ready({ input: { timing: { stillThereTimeout: 5_000, idleTimeout: 10_000 } } });
    await toIdentityInput(session);
    await session.advance(10_000);
    expect(session.view().screen).toBe('stillThere');
    await session.advance(19_999);
    expect(session.view().screen).toBe('stillThere');
    expect((await session.advance(1)).screen).toBe('removeCard');
  });

  it('every input screen times out to "still there?"', async () => {
    const session = await ready({ world: { route: 'registration-bundled' } });
    await session.insert();
    const screens: string[] = [];
    const visit = async (event?: Parameters<Session['send']>[0]) => {
      if (event !== undefined) await session.send(event);
      screens.push(session.view().screen);
      await session.advance(DEFAULT_TIMING.idleTimeout);
      expect(session.view().screen).toBe('stillThere');
      await session.send({ type: 'user.stillHere' });
      expect(session.view().screen).toBe(screens.at(-1));
    };
    await visit();
    await visit({ type: 'user.choosePath', path: 'registration-bundled' });
    await session.send({ type: 'user.submitResponsibleId', responsibleId: BAD_CHECKSUM_ID });
    await session.advance(DEFAULT_TIMING.idleTimeout);
    expect(session.view().screen).toBe('stillThere');
    await session.send({ type: 'user.stillHere' });
    await visit({ type: 'user.submitResponsibleId', responsibleId: NATIONAL_ID });
    await visit({ type: 'user.confirmCardData' });
    await visit({ type: 'user.submitContact', email: 'new@example.com.tw', userCode: 'Nw7#code', userCodeConfirm: 'Nw7#code' });
    expect(screens).toEqual(['choosePath', 'enterResponsibleId', 'confirmCardData', 'enterContact', 'enterPin']);
  });
});

describe('staff', () => {
  it('user.callStaff anywhere shows staffAssist; staff.resume checks the card and returns', async () => {
    const session = await ready();
    await toPin(session);
    const assist = await session.send({ type: 'user.callStaff' });
    expect(assist).toMatchObject({ screen: 'staffAssist', returnScreen: 'enterPin', accepts: expect.arrayContaining(['staff.resume']) });
    expect(session.actor.getSnapshot().hasTag('needsStaff')).toBe(true);
    const reads = session.callsOf('readCard').length;
    expect((await session.send({ type: 'staff.resume' })).screen).toBe('enterPin');
    expect(session.callsOf('readCard')).toHaveLength(reads + 1);
  });

  it('user.callStaff while a request is in flight returns to the safe screen', async () => {
    const session = await ready({ effects: { verifyIdentity: () => new Promise(() => undefined) } });
    await toIdentityInput(session);
    await session.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    expect((await session.send({ type: 'user.callStaff' })).returnScreen).toBe('enterUserCode');
    expect(session.actor.getSnapshot().context.secrets).toEqual({});
    expect((await session.send({ type: 'staff.resume' })).screen).toBe('enterUserCode');
  });

  it('user.callStaff from the idle screen; staff.resume goes back to it', async () => {
    const session = await ready();
    expect((await session.send({ type: 'user.callStaff' })).screen).toBe('staffAssist');
    expect((await session.send({ type: 'staff.resume' })).screen).toBe('insertCard');
  });

  it('a staff visit ends by itself after staffWaitTimeout', async () => {
    const session = await ready();
    await toCardData(session);
    await session.send({ type: 'user.callStaff' });
    await session.advance(DEFAULT_TIMING.staffWaitTimeout - 1);
    expect(session.view().screen).toBe('staffAssist');
    expect((await session.advance(1)).screen).toBe('removeCard');
  });

  it('staff.abort ends the session from any screen, busy ones included', async () => {
    const verifying = await ready({ effects: { verifyIdentity: () => new Promise(() => undefined) } });
    await toIdentityInput(verifying);
    await verifying.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    expect(verifying.view().screen).toBe('verifying');
    expect((await verifying.send({ type: 'staff.abort' })).screen).toBe('removeCard');
    expect(verifying.actor.getSnapshot().context.card).toBeNull();

    const failed = await ready({ world: { status: 'revoked' } });
    await failed.insert();
    expect((await failed.send({ type: 'staff.abort' })).screen).toBe('removeCard');
  });

  it('a card taken out while staff are there waits for it like anywhere else', async () => {
    const session = await ready();
    await toCardData(session);
    await session.send({ type: 'user.callStaff' });
    expect((await session.remove()).screen).toBe('cardRemoved');
    expect((await session.insert()).screen).toBe('confirmCardData');
  });
});

describe('cancel, language and ignored events', () => {
  it('user.cancel ends the session from an input screen and is ignored while busy', async () => {
    const session = await ready();
    await toIdentityInput(session);
    expect((await session.send({ type: 'user.cancel' })).screen).toBe('removeCard');

    const busy = await ready({ effects: { verifyIdentity: () => new Promise(() => undefined) } });
    await toIdentityInput(busy);
    await busy.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    expect(busy.view().accepts).not.toContain('user.cancel');
    expect((await busy.send({ type: 'user.cancel' })).screen).toBe('verifying');
  });

  it('user.setLanguage works anywhere without changing the screen; a new session starts in the default', async () => {
    const session = await ready({ input: { lang: 'zh-TW' } });
    expect((await session.send({ type: 'user.setLanguage', lang: 'en' })).lang).toBe('en');
    await session.insert();
    expect(session.view()).toMatchObject({ screen: 'choosePath', lang: 'en' });
    await session.send({ type: 'user.choosePath', path: 'self-applied' });
    await session.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    expect(session.view().lang).toBe('en');
    const ended = await session.send({ type: 'user.cancel' });
    expect(ended.lang).toBe('zh-TW');
  });

  it('ignores events the current state does not take', async () => {
    const session = await ready();
    const before = session.view();
    expect(before.accepts).not.toContain('user.submitPin');
    const after = await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' });
    expect(after.screen).toBe('insertCard');
    expect(session.calls.filter((call) => call.effect !== 'selfcheck')).toEqual([]);
    expect(session.actor.getSnapshot().status).toBe('active');
  });

  it('an effect that was not provided takes the kiosk out of service instead of crashing', async () => {
    const actor = createActor(sessionMachine, { input: {} });
    actor.start();
    await settle();
    // The placeholder rejects, which the machine treats as a card agent that does not answer.
    expect(viewOf(actor.getSnapshot()).screen).toBe('outOfService');
    actor.stop();
  });
});

// ---------------------------------------------------------------------------------------------
// The manual, point by point (issue 12)

describe('the manual: IDs, birth dates, retries and repeated failures', () => {
  it("takes a passport number after the checksum warning (是(Y)) and sends it as typed, normalised", async () => {
    const session = await ready({ world: { route: 'registration-bundled' } });
    await toIdentityInput(session);
    const warning = await session.send({ type: 'user.submitResponsibleId', responsibleId: 'p12345678', birthDate: BIRTH_DATE_ROC });
    expect(warning.screen).toBe('idChecksumWarning');
    expect(JSON.stringify(warning)).not.toContain('12345678');
    await session.send({ type: 'user.confirmIdWarning' });
    expect(session.callsOf('verifyIdentity')).toEqual([
      expect.objectContaining({ route: 'registration-bundled', responsibleId: 'P12345678', birthDate: BIRTH_DATE_ISO }),
    ]);
  });

  it('asks for a birth date the record needs (BIRTH_DATE_REQUIRED on the ID screen, no attempts shown)', async () => {
    const session = await ready({
      world: { route: 'registration-bundled' },
      effects: { verifyIdentity: async () => Promise.reject(new ContractError('BIRTH_DATE_REQUIRED')) },
    });
    await toIdentityInput(session);
    const view = await session.send({ type: 'user.submitResponsibleId', responsibleId: NATIONAL_ID });
    expect(view).toMatchObject({ screen: 'enterResponsibleId', error: { code: 'BIRTH_DATE_REQUIRED', retryable: true } });
    expect(view.error?.attemptsLeft).toBeUndefined();
    expect(session.actor.getSnapshot().context.secrets).toEqual({});
  });

  it('shows a wrong ID or birth date on path B as 3005 on the ID screen with the attempts left', async () => {
    const session = await ready({ world: { route: 'registration-bundled' } });
    await toIdentityInput(session);
    const view = await session.send({ type: 'user.submitResponsibleId', responsibleId: 'M162773050', birthDate: BIRTH_DATE_ROC });
    expect(view).toMatchObject({ screen: 'enterResponsibleId', path: 'registration-bundled', error: { code: '3005', attemptsLeft: 4 } });
  });

  it('offers staff on the second CARD_NOT_DETECTED in a row, and forgets the count once a card is read', async () => {
    const session = await ready();
    const notDetected = async () => {
      session.world.inReader = CARD;
      session.world.readerPresent = true;
      // The agent sees the card event but the self-test finds no card: CARD_NOT_DETECTED.
      const original = session.world.inReader;
      session.world.inReader = null;
      await session.send({ type: 'card.inserted', reader: 'reader-0' });
      session.world.inReader = original;
      const view = session.view();
      await session.remove();
      return view;
    };
    const first = await notDetected();
    expect(first).toMatchObject({ screen: 'failed', error: { code: 'CARD_NOT_DETECTED' } });
    expect(first.error?.remedy).toBeUndefined();
    const second = await notDetected();
    expect(second).toMatchObject({ screen: 'failed', error: { code: 'CARD_NOT_DETECTED', remedy: 'staff' } });
    expect(second.accepts).toContain('user.callStaff');
    expect((await session.insert()).screen).toBe('choosePath');
    await session.remove();
    const afterRead = await notDetected();
    expect(afterRead.error?.remedy).toBeUndefined();
  });

  it('path B: after 3125, try again resends the acceptance with the e-mail and user code typed, without retyping', async () => {
    const session = await ready({
      world: { route: 'registration-bundled' },
      effects: { acceptCertificate: failsFirst(1 + DEFAULT_TIMING.acceptRetryLimit, ACCEPTED) },
    });
    await toCardData(session);
    await session.send({ type: 'user.confirmCardData' });
    await session.send({ type: 'user.submitContact', email: 'new@example.com.tw', userCode: 'Nw7#code', userCodeConfirm: 'Nw7#code' });
    for (let i = 0; i < DEFAULT_TIMING.acceptRetryLimit; i++) await session.advance(DEFAULT_TIMING.acceptRetryBaseDelay * 2 ** i);
    const failed = session.view();
    expect(failed).toMatchObject({ screen: 'failed', error: { code: '3125' } });
    // Held in the engine's memory only: never in the view.
    expect(JSON.stringify(failed)).not.toContain('Nw7#code');
    expect(JSON.stringify(failed)).not.toContain('new@example.com.tw');
    const retried = await session.send({ type: 'user.reset' });
    expect(retried.screen).toBe('enterPin');
    const accepts = session.callsOf('acceptCertificate');
    expect(accepts.at(-1)).toEqual({ activationId: 'act-1', contactEmail: 'new@example.com.tw', newUserCode: 'Nw7#code' });
    expect(session.actor.getSnapshot().context.secrets).toEqual({});
  });

  it('path B: the contact held after 3125 is wiped when the card is taken out', async () => {
    const session = await ready({
      world: { route: 'registration-bundled' },
      input: { timing: { acceptRetryLimit: 0 } },
      effects: { acceptCertificate: async () => Promise.reject(new ContractError('3125')) },
    });
    await toCardData(session);
    await session.send({ type: 'user.confirmCardData' });
    await session.send({ type: 'user.submitContact', email: 'new@example.com.tw', userCode: 'Nw7#code', userCodeConfirm: 'Nw7#code' });
    expect(errorOf(session.view())).toBe('3125');
    expect(session.actor.getSnapshot().context.secrets).toEqual({ contactEmail: 'new@example.com.tw', newUserCode: 'Nw7#code' });
    await session.remove();
    expect(session.actor.getSnapshot().context.secrets).toEqual({});
  });

  it("shows the certificate's OU with the holder, and a failure view carries the card number and its code", async () => {
    const branch: CardData = { ...CARD, orgUnit: '測試分公司1' };
    const session = await ready({ world: { status: 'used-before-activation' } });
    const view = await session.insert(branch);
    expect(view).toMatchObject({ screen: 'failed', error: { code: '27011' }, card: { cardNumber: CARD.cardNumber, orgUnit: '測試分公司1' } });
  });
});

describe('the manual words at the counter (issue 18)', () => {
  it('after 完成 the kiosk asks for the card to be taken out before insertCard comes back', async () => {
    const session = await ready();
    await toPin(session);
    await session.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' });
    expect(session.view().screen).toBe('activated');
    const ended = await session.advance(DEFAULT_TIMING.finishedScreenTimeout);
    expect(ended).toMatchObject({ screen: 'removeCard', busy: false });
    expect(ended.card).toBeUndefined();
    expect(ended.step).toBeUndefined();
    // Nothing but taking the card out (or calling staff) moves on.
    expect(ended.accepts.filter((type) => type !== 'user.setLanguage' && type !== 'user.callStaff')).toEqual([]);
    expect((await session.remove()).screen).toBe('insertCard');
  });

  it('every ending with the card still in asks for it; an ending with the card already out does not', async () => {
    const cancelled = await ready();
    await toIdentityInput(cancelled);
    expect((await cancelled.send({ type: 'user.cancel' })).screen).toBe('removeCard');

    const failedOut = await ready({ world: { status: 'revoked' } });
    await failedOut.insert();
    expect((await failedOut.advance(DEFAULT_TIMING.failureScreenTimeout)).screen).toBe('removeCard');
    expect((await failedOut.remove()).screen).toBe('insertCard');

    // Taken out while the registry is told, then the finished screen runs out: nothing to take.
    const takenOut = await ready({ effects: { completeActivation: failsFirst(1, { activatedAt: '2026-06-01T00:06:01Z' }) } });
    await toPin(takenOut);
    await takenOut.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' });
    await takenOut.remove();
    await takenOut.advance(1_000);
    expect(takenOut.view().screen).toBe('activated');
    expect((await takenOut.advance(DEFAULT_TIMING.finishedScreenTimeout)).screen).toBe('insertCard');

    // Taken out mid-session and not put back: the grace period ends on insertCard.
    const walkedAway = await ready();
    await toCardData(walkedAway);
    await walkedAway.remove();
    expect((await walkedAway.advance(DEFAULT_TIMING.reinsertGrace)).screen).toBe('insertCard');

    // Staff took the card: it is out.
    const taken = await ready({ world: { status: 'used-before-activation' } });
    await taken.insert();
    expect((await taken.send({ type: 'staff.takeCard' })).screen).toBe('insertCard');
  });

  it('shows the step count only once the path is chosen (2/7 and 2/8 would tell the card route)', async () => {
    for (const route of ['self-applied', 'registration-bundled'] as const) {
      const session = await ready({ world: { route } });
      expect(session.view().step).toBeUndefined();
      const choose = await session.insert();
      expect(choose.screen).toBe('choosePath');
      expect(choose.step).toBeUndefined();
      const identity = await session.send({ type: 'user.choosePath', path: route });
      expect(identity.step).toEqual({ index: 3, of: route === 'self-applied' ? 7 : 8 });
    }
  });

  it('3125 says at which step the registry did not answer', async () => {
    const no = () => Promise.reject(new ContractError('3125'));
    const identify = await ready({ effects: { identifyCard: no } });
    expect((await identify.insert()).error).toMatchObject({ code: '3125', during: 'identify' });

    const verify = await ready({ effects: { verifyIdentity: no } });
    await toCardData(verify);
    expect(verify.view().error).toMatchObject({ code: '3125', during: 'verify' });

    const accept = await ready({ effects: { acceptCertificate: no } });
    await toCardData(accept);
    await accept.send({ type: 'user.confirmCardData' });
    for (const delay of [1_000, 2_000, 4_000]) await accept.advance(delay);
    expect(accept.view().error).toMatchObject({ code: '3125', during: 'accept' });

    const grant = await ready({ effects: { setPin: no } });
    await toPin(grant);
    expect((await grant.send({ type: 'user.submitPin', pin: '246810', pinConfirm: '246810' })).error).toMatchObject({
      code: '3125',
      during: 'pinGrant',
    });
    // Other failures carry no step.
    const revoked = await ready({ world: { status: 'revoked' } });
    expect((await revoked.insert()).error).toEqual({ code: '4931', retryable: false });
  });

  it('a card that is not a business certificate has its own screen: take it back (no staff, no mail-in)', async () => {
    const read = await ready({ effects: { readCard: async () => Promise.reject(new ContractError('NOT_BUSINESS_CARD')) } });
    const view = await read.insert();
    expect(view).toMatchObject({ screen: 'failed', error: { code: 'NOT_BUSINESS_CARD', retryable: false } });
    expect(read.actor.getSnapshot().hasTag('needsStaff')).toBe(false);
    expect(read.actor.getSnapshot().value).toEqual({ session: { failed: 'notBusinessCard' } });

    const selfcheck = await ready({
      effects: {
        selfcheck: async ({ expectCard }) => {
          const result = selfcheckOf(true, expectCard, !expectCard);
          return { ...result, checks: result.checks.map((c) => (c.id === 'token' && !c.ok ? { ...c, code: 'NOT_BUSINESS_CARD' as const } : c)) };
        },
      },
    });
    expect(errorOf(await selfcheck.insert())).toBe('NOT_BUSINESS_CARD');
    expect((await selfcheck.remove()).screen).toBe('insertCard');
  });
});
