// Persisting the session without its secrets, and restoring it into a safe state that continues.
// Canary secrets are typed in full runs of both paths; they must never appear in a persisted
// snapshot or a view at any state.
import { describe, expect, it } from 'vitest';
import type { Snapshot } from 'xstate';
import { ContractError, type ActivationPath, type CardData } from '../../machines/contract/index.ts';
import { DEFAULT_TIMING, restoreSnapshot, toPersisted, type PersistedSession, type SessionEffects } from '../../machines/session/index.ts';
import { CARD, NOW, OTHER_CARD, PROOF, selfcheckOf, settle, startSessionActor, viewOf } from '../support/session-actor.ts';

// Canaries: values that appear nowhere else, so finding one anywhere is a leak.
const USER_CODE = 'Cnry#UC7';
const RESPONSIBLE_ID = 'Q287465913';
const BIRTH_DATE_ROC = '民國68年11月23日';
const BIRTH_DATE_ISO = '1979-11-23';
const CONTACT_EMAIL = 'canary.mail@example.com.tw';
const NEW_USER_CODE = 'Cnry#NEW9';
const PIN = 'Cn#7pin8';
const CANARIES = [USER_CODE, RESPONSIBLE_ID, BIRTH_DATE_ROC, BIRTH_DATE_ISO, CONTACT_EMAIL, NEW_USER_CODE, PIN];

const leaked = (text: string) => CANARIES.filter((canary) => text.includes(canary));

interface World {
  route: ActivationPath;
  inReader: CardData | null;
  acceptedAt: string | null;
  acceptFailures: number;
  /** How many times `complete` answers 3125 before it works. */
  completeFailures?: number;
}

/** A fake card agent and registry over `world`: the acceptance and `complete` fail as often as it says. */
function effectsFor(world: World): SessionEffects {
  return {
    selfcheck: async () => selfcheckOf(true, world.inReader !== null),
    readCard: async () => {
      if (world.inReader === null) throw new ContractError('CARD_NOT_DETECTED');
      return world.inReader;
    },
    identifyCard: async () => ({
      route: world.route,
      status: world.acceptedAt === null ? ('issued' as const) : ('accepted' as const),
      attemptsLeft: 5,
    }),
    verifyIdentity: async () => ({
      activationId: 'act-1',
      expiresAt: '2026-06-01T01:00:00Z',
      ...(world.acceptedAt === null ? {} : { acceptedAt: world.acceptedAt }),
    }),
    acceptCertificate: async () => {
      if (world.acceptFailures > 0) {
        world.acceptFailures -= 1;
        throw new ContractError('3125');
      }
      world.acceptedAt ??= '2026-06-01T00:05:00Z';
      return { acceptedAt: world.acceptedAt };
    },
    setPin: async () => ({ at: '2026-06-01T00:06:00Z', proof: PROOF }),
    completeActivation: async () => {
      if ((world.completeFailures ?? 0) > 0) {
        world.completeFailures = (world.completeFailures ?? 0) - 1;
        throw new ContractError('3125');
      }
      return { activatedAt: '2026-06-01T00:06:01Z' };
    },
  };
}

/** A kiosk's session on `world`, fresh or restored from `snapshot` as the engine restores it. */
const startKiosk = (world: World, snapshot?: Snapshot<unknown>) => startSessionActor(effectsFor(world), { snapshot });

type Kiosk = ReturnType<typeof startKiosk>;

/** Answers whatever screen is up, as a user who knows the secrets would, until activated. */
async function driveToActivated(kiosk: Kiosk, world: World) {
  for (let step = 0; step < 20; step += 1) {
    const view = kiosk.view();
    switch (view.screen) {
      case 'activated':
        return view;
      case 'insertCard':
        world.inReader = CARD;
        await kiosk.send({ type: 'card.inserted', reader: 'reader-0' });
        break;
      case 'choosePath':
        await kiosk.send({ type: 'user.choosePath', path: world.route });
        break;
      case 'enterUserCode':
        await kiosk.send({ type: 'user.submitUserCode', userCode: USER_CODE });
        break;
      case 'enterResponsibleId':
        await kiosk.send({ type: 'user.submitResponsibleId', responsibleId: RESPONSIBLE_ID, birthDate: BIRTH_DATE_ROC });
        break;
      case 'idChecksumWarning':
        await kiosk.send({ type: 'user.confirmIdWarning' });
        break;
      case 'confirmCardData':
        await kiosk.send({ type: 'user.confirmCardData' });
        break;
      case 'enterContact':
        await kiosk.send({ type: 'user.submitContact', email: CONTACT_EMAIL, userCode: NEW_USER_CODE, userCodeConfirm: NEW_USER_CODE });
        break;
      case 'enterPin':
        await kiosk.send({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
        break;
      case 'accepting':
        await kiosk.advance(DEFAULT_TIMING.acceptRetryBaseDelay * 4);
        break;
      default:
        throw new Error(`no way on from ${view.state} (${view.screen})`);
    }
  }
  throw new Error(`not activated: ${kiosk.view().state}`);
}

async function fullRun(route: ActivationPath, extra: Partial<World> = {}) {
  const world: World = { route, inReader: null, acceptedAt: null, acceptFailures: 0, ...extra };
  const kiosk = startKiosk(world);
  await settle();
  await driveToActivated(kiosk, world);
  return { world, kiosk };
}

describe('toPersisted', () => {
  it("removes what XState's own persisted snapshot keeps: context.secrets and the running request's input", async () => {
    const world: World = { route: 'self-applied', inReader: CARD, acceptedAt: null, acceptFailures: 0 };
    const kiosk = startKiosk(world);
    await settle();
    kiosk.actor.send({ type: 'user.choosePath', path: 'self-applied' });
    kiosk.actor.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    expect(kiosk.view().screen).toBe('verifying');

    const raw = JSON.stringify(kiosk.actor.getPersistedSnapshot());
    expect(leaked(raw)).toEqual([USER_CODE]);
    expect(raw).toContain('"input":{');

    const persisted = toPersisted(kiosk.actor);
    expect(leaked(JSON.stringify(persisted))).toEqual([]);
    expect(persisted.context).not.toHaveProperty('secrets');
    expect(persisted.children.verifyIdentity?.snapshot).not.toHaveProperty('input');
    expect(JSON.parse(JSON.stringify(persisted))).toEqual(persisted);
    await settle();
    kiosk.actor.stop();
  });

  for (const route of ['self-applied', 'registration-bundled'] as const) {
    it(`no canary secret in any persisted snapshot or view at any state of a full ${route} run`, async () => {
      const { kiosk } = await fullRun(route, { acceptFailures: 1 });
      const screens = new Set<string>();
      for (const snapshot of kiosk.snapshots) {
        const view = viewOf(snapshot);
        screens.add(view.screen);
        expect(leaked(JSON.stringify(toPersisted(snapshot))), view.state).toEqual([]);
        expect(leaked(JSON.stringify(view)), view.state).toEqual([]);
      }
      // The run really went through the screens where the secrets are typed and used.
      const typed = route === 'self-applied' ? ['enterUserCode', 'verifying'] : ['enterResponsibleId', 'idChecksumWarning', 'enterContact'];
      expect([...screens]).toEqual(expect.arrayContaining([...typed, 'accepting', 'enterPin', 'settingPin', 'activated']));
      // …and the secrets really went out to the effects, so the canaries were live.
      const sent = JSON.stringify(kiosk.calls);
      expect(leaked(sent).length).toBeGreaterThan(0);
      expect(leaked(JSON.stringify(kiosk.actor.getSnapshot().context))).toEqual([]);
    });
  }
});

describe('restoreSnapshot', () => {
  /** Every distinct state of a full run, persisted as the engine would. */
  async function persistedStates(route: ActivationPath) {
    const { kiosk } = await fullRun(route);
    const byState = new Map<string, PersistedSession>();
    for (const snapshot of kiosk.snapshots) {
      const state = viewOf(snapshot).state ?? '';
      if (!byState.has(state)) byState.set(state, toPersisted(snapshot));
    }
    return byState;
  }

  const landings: Record<ActivationPath, Record<string, string>> = {
    'self-applied': {
      checkingReader: 'choosePath',
      // The reader is checked again first: the card in it is read as at a fresh start.
      awaitingCard: 'choosePath',
      'session.checkingCard': 'choosePath',
      'session.readingCard': 'choosePath',
      'session.identifyingCard': 'choosePath',
      'session.awaitingPathChoice': 'choosePath',
      'session.awaitingUserCode': 'enterUserCode',
      'session.verifying': 'enterUserCode',
      'session.awaitingCardDataConfirmation': 'confirmCardData',
      'session.accepting': 'confirmCardData',
      'session.awaitingPin': 'enterPin',
      'session.settingPin': 'enterPin',
      'session.completingActivation': 'activated',
      'session.activated': 'activated',
    },
    'registration-bundled': {
      'session.awaitingResponsibleId': 'enterResponsibleId',
      'session.awaitingIdConfirmation': 'enterResponsibleId',
      'session.verifying': 'enterResponsibleId',
      'session.awaitingCardDataConfirmation': 'confirmCardData',
      'session.awaitingContact': 'enterContact',
      'session.accepting': 'enterContact',
      'session.awaitingPin': 'enterPin',
      'session.settingPin': 'enterPin',
    },
  };

  for (const route of ['self-applied', 'registration-bundled'] as const) {
    it(`lands every state of a ${route} run somewhere safe, and the restored session goes on to activation`, async () => {
      const states = await persistedStates(route);
      expect([...states.keys()]).toEqual(expect.arrayContaining(Object.keys(landings[route])));
      for (const [state, persisted] of states) {
        const world: World = { route, inReader: CARD, acceptedAt: null, acceptFailures: 0 };
        // What the registry has recorded by the time that state was saved.
        if (persisted.context.activation?.acceptedAt) world.acceptedAt = persisted.context.activation.acceptedAt;
        const kiosk = startKiosk(world, restoreSnapshot(persisted));
        await settle();
        const expected = landings[route][state];
        if (expected !== undefined) expect(kiosk.view().screen, state).toBe(expected);
        expect(kiosk.actor.getSnapshot().context.secrets, state).toEqual({});
        if (kiosk.view().screen !== 'insertCard') {
          expect((await driveToActivated(kiosk, world)).screen, state).toBe('activated');
        }
        kiosk.actor.stop();
      }
    });
  }

  it('a session saved while setting the PIN sets it again on the accepted record', async () => {
    const states = await persistedStates('self-applied');
    const persisted = states.get('session.settingPin');
    expect(persisted).toBeDefined();
    const world: World = { route: 'self-applied', inReader: CARD, acceptedAt: '2026-06-01T00:05:00Z', acceptFailures: 0 };
    const kiosk = startKiosk(world, restoreSnapshot(persisted as PersistedSession));
    await settle();
    expect(kiosk.view().screen).toBe('enterPin');
    expect((await kiosk.send({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN })).screen).toBe('activated');
    expect(kiosk.calls.filter((call) => call.effect === 'setPin')).toEqual([
      { effect: 'setPin', input: { activationId: 'act-1', newPin: PIN } },
    ]);
    expect(kiosk.calls.some((call) => call.effect === 'acceptCertificate' || call.effect === 'verifyIdentity')).toBe(false);
  });

  it('re-arms the timers of the screen it resumes', async () => {
    const states = await persistedStates('self-applied');
    const kiosk = startKiosk(
      { route: 'self-applied', inReader: CARD, acceptedAt: null, acceptFailures: 0 },
      restoreSnapshot(states.get('session.awaitingUserCode') as PersistedSession),
    );
    await settle();
    expect(kiosk.view()).toMatchObject({ screen: 'enterUserCode', deadline: new Date(NOW + DEFAULT_TIMING.idleTimeout).toISOString() });
    expect((await kiosk.advance(DEFAULT_TIMING.idleTimeout)).screen).toBe('stillThere');
    expect((await kiosk.advance(DEFAULT_TIMING.stillThereTimeout)).screen).toBe('removeCard');
  });

  it('reports CARD_SWAPPED when another card is in the reader after the restart', async () => {
    const states = await persistedStates('self-applied');
    const world: World = { route: 'self-applied', inReader: OTHER_CARD, acceptedAt: null, acceptFailures: 0 };
    const kiosk = startKiosk(world, restoreSnapshot(states.get('session.awaitingCardDataConfirmation') as PersistedSession));
    await settle();
    expect(kiosk.view()).toMatchObject({ screen: 'failed', error: { code: 'CARD_SWAPPED' } });
  });

  it('waits for the card when it was taken out while the engine was down', async () => {
    const states = await persistedStates('self-applied');
    const world: World = { route: 'self-applied', inReader: null, acceptedAt: null, acceptFailures: 0 };
    const kiosk = startKiosk(world, restoreSnapshot(states.get('session.awaitingPin') as PersistedSession));
    await settle();
    expect(kiosk.view()).toMatchObject({ screen: 'cardRemoved', returnScreen: 'enterPin' });
    world.inReader = CARD;
    expect((await kiosk.send({ type: 'card.inserted', reader: 'reader-0' })).screen).toBe('enterPin');
    expect((await kiosk.advance(DEFAULT_TIMING.reinsertGrace)).screen).toBe('enterPin');
  });

  it('returns from a saved "still there?" to the screen the user was on', async () => {
    const world: World = { route: 'self-applied', inReader: null, acceptedAt: null, acceptFailures: 0 };
    const kiosk = startKiosk(world);
    await settle();
    world.inReader = CARD;
    await kiosk.send({ type: 'card.inserted', reader: 'reader-0' });
    await kiosk.send({ type: 'user.choosePath', path: 'self-applied' });
    await kiosk.advance(DEFAULT_TIMING.idleTimeout);
    expect(kiosk.view().screen).toBe('stillThere');
    const restored = startKiosk(world, restoreSnapshot(toPersisted(kiosk.actor)));
    await settle();
    expect(restored.view().screen).toBe('enterUserCode');
  });

  it('checks the reader before showing insertCard when restored from a saved awaitingCardRemoval', async () => {
    const { kiosk: before } = await fullRun('self-applied');
    await before.advance(DEFAULT_TIMING.finishedScreenTimeout);
    const saved = toPersisted(before.actor);
    expect(saved.value).toBe('awaitingCardRemoval');
    const world: World = { route: 'self-applied', inReader: null, acceptedAt: null, acceptFailures: 0 };
    const kiosk = startKiosk(world, restoreSnapshot(saved));
    expect(kiosk.view().screen).toBe('outOfService');
    await settle();
    expect(kiosk.calls).toEqual([{ effect: 'selfcheck', input: { expectCard: false } }]);
    expect(kiosk.view().screen).toBe('insertCard');
  });

  it('restarted after the PIN was set but before the registry answered complete: resumes completing, never asks for the PIN', async () => {
    const world: World = { route: 'self-applied', inReader: null, acceptedAt: null, acceptFailures: 0, completeFailures: 1_000 };
    const kiosk = startKiosk(world);
    await settle();
    world.inReader = CARD;
    await kiosk.send({ type: 'card.inserted', reader: 'reader-0' });
    await kiosk.send({ type: 'user.choosePath', path: 'self-applied' });
    await kiosk.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    await kiosk.send({ type: 'user.confirmCardData' });
    expect((await kiosk.send({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN })).screen).toBe('settingPin');
    await kiosk.advance(DEFAULT_TIMING.completeRetryBaseDelay);
    expect(kiosk.calls.filter((call) => call.effect === 'completeActivation')).toHaveLength(2);
    const saved = toPersisted(kiosk.actor);
    kiosk.actor.stop();
    expect(leaked(JSON.stringify(saved))).toEqual([]);
    expect(saved.context.possessionProof).toEqual(PROOF);

    // The engine is back, the registry too; the card was taken out meanwhile.
    const after: World = { ...world, inReader: null, completeFailures: 0 };
    const restored = startKiosk(after, restoreSnapshot(saved));
    await settle();
    expect(restored.view().screen).toBe('activated');
    expect(restored.calls).toEqual([
      { effect: 'completeActivation', input: { activationId: 'act-1', cardNumber: CARD.cardNumber, proof: PROOF } },
    ]);
    expect(restored.snapshots.map((snapshot) => viewOf(snapshot).screen)).not.toContain('enterPin');
  });

  it('starts fresh from a snapshot it cannot continue', async () => {
    const world: World = { route: 'self-applied', inReader: null, acceptedAt: null, acceptFailures: 0 };
    const broken = { status: 'error', value: { session: 'verifying' }, context: {}, children: {} } as unknown as PersistedSession;
    const kiosk = startKiosk(world, restoreSnapshot(broken));
    await settle();
    expect(kiosk.view().screen).toBe('insertCard');
    expect(kiosk.view().card).toBeUndefined();
  });
});
