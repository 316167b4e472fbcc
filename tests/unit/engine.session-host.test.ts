// services/kiosk-engine/session-host.ts: the real session statechart on fake effects (the card
// agent and registry as tests/support/session-actor.ts plays them), with stand-ins for the snapshot
// store (a `save` the test can hold) and the view subject (a recording `publish`). Above all: the
// registry's `complete` leaves only once the snapshot holding the card's proof is stored.
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import type { View } from '../../machines/contract/index.ts';
import type { CompleteActivationInput, SessionEffects } from '../../machines/session/index.ts';
import { createLogger } from '../../platform/log.ts';
import { holdsProofFor, SessionHost } from '../../services/kiosk-engine/session-host.ts';
import type { StoredSession } from '../../services/kiosk-engine/snapshot-store.ts';
import { CARD, NOW, PROOF, selfcheckOf, settle } from '../support/session-actor.ts';

const USER_CODE = 'Ab3$xyz9';
const PIN = '246810';

/** A snapshot store that writes at once, or, while `holding`, waits for the test to release each write. */
function standInStore() {
  const saved: StoredSession[] = [];
  const held: Array<{ record: StoredSession; release: () => void }> = [];
  const store = {
    saved,
    held,
    holding: false,
    save: (record: StoredSession) => {
      if (!store.holding) {
        saved.push(record);
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => held.push({ record, release: () => (saved.push(record), resolve()) }));
    },
  };
  return store;
}

function startHost(options: { stored?: StoredSession; pending?: CompleteActivationInput[]; completeFails?: boolean } = {}) {
  const store = standInStore();
  const views: View[] = [];
  const completes: Array<{ input: CompleteActivationInput; proofStored: boolean }> = [];
  const effects: SessionEffects = {
    selfcheck: async (input) => selfcheckOf(true, input.expectCard),
    readCard: async () => CARD,
    identifyCard: async () => ({ route: 'self-applied', status: 'issued', attemptsLeft: 5 }),
    verifyIdentity: async () => ({ activationId: 'act-1', expiresAt: '2026-06-01T01:00:00Z' }),
    acceptCertificate: async () => ({ acceptedAt: '2026-06-01T00:05:00Z' }),
    setPin: async () => ({ at: '2026-06-01T00:06:00Z', proof: PROOF }),
    completeActivation: async (input) => {
      completes.push({ input, proofStored: store.saved.some((record) => holdsProofFor(record, input)) });
      if (options.completeFails) throw Object.assign(new Error('no responders'), { code: '503' });
      return { activatedAt: '2026-06-01T00:06:01Z' };
    },
  };
  const clock = new SimulatedClock();
  clock.set(NOW);
  const handedOver: CompleteActivationInput[] = [];
  const host = new SessionHost({
    kioskId: 'kiosk-1',
    stored: options.stored,
    effects,
    clock,
    save: store.save,
    publish: (view) => views.push(view),
    pendingCompletions: () => options.pending ?? [],
    log: createLogger('test', () => undefined),
  });
  host.onHandedOver((input) => handedOver.push(input));
  const deliver = async (event: Parameters<SessionHost['deliver']>[0]) => {
    host.deliver(event, 'test');
    await settle();
  };
  return { host, store, views, completes, handedOver, deliver, screen: () => views.at(-1)?.screen };
}

/** From the idle kiosk to the PIN screen on path A. */
async function toPin(session: ReturnType<typeof startHost>) {
  await session.host.start();
  await settle();
  await session.deliver({ type: 'card.inserted', reader: 'reader-0' } as never);
  await session.deliver({ type: 'user.choosePath', path: 'self-applied' });
  await session.deliver({ type: 'user.submitUserCode', userCode: USER_CODE });
  await session.deliver({ type: 'user.confirmCardData' });
  expect(session.screen()).toBe('enterPin');
}

describe('the session host', () => {
  it('sends complete only once the snapshot holding the proof is stored, however long the store takes', async () => {
    const session = startHost();
    await toPin(session);
    session.store.holding = true;
    await session.deliver({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
    // The PIN is set and the machine is completing, but nothing it wrote since is stored yet.
    expect(session.completes).toEqual([]);
    let releasedProof = false;
    while (session.completes.length === 0) {
      const write = session.store.held.shift();
      expect(write, 'a write to release while complete waits').toBeDefined();
      releasedProof ||= holdsProofFor(write!.record, { activationId: 'act-1', cardNumber: CARD.cardNumber, proof: PROOF });
      write!.release();
      await settle();
      if (!releasedProof) expect(session.completes).toEqual([]);
    }
    expect(session.completes).toEqual([{ input: { activationId: 'act-1', cardNumber: CARD.cardNumber, proof: PROOF }, proofStored: true }]);
    session.store.holding = false;
    for (const write of session.store.held.splice(0)) write.release();
    await session.host.idle();
    await settle();
    expect(session.screen()).toBe('activated');
    // No secret in what was stored or shown.
    for (const text of [JSON.stringify(session.store.saved), JSON.stringify(session.views)]) {
      expect(text).not.toContain(PIN);
      expect(text).not.toContain(USER_CODE);
    }
    await session.host.stop();
  });

  it('restarted in completingActivation, it resends complete only after its first write', async () => {
    const first = startHost({ completeFails: true });
    await toPin(first);
    await first.deliver({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
    await first.host.idle();
    const stored = first.store.saved.at(-1)!;
    expect(holdsProofFor(stored, first.completes[0]!.input)).toBe(true);
    await first.host.stop();

    const second = startHost({ stored });
    second.store.holding = true;
    const started = second.host.start();
    await settle();
    expect(second.completes).toEqual([]);
    second.store.holding = false;
    for (const write of second.store.held.splice(0)) write.release();
    await started;
    await settle();
    expect(second.completes.map((complete) => complete.proofStored)).toEqual([true]);
    await second.host.stop();
  });

  it('numbers views on from the stored sequence, and says it was restored', async () => {
    const first = startHost();
    await toPin(first);
    await first.host.idle();
    const stored = first.store.saved.at(-1)!;
    await first.host.stop();
    const second = startHost({ stored });
    await second.host.start();
    await settle();
    expect(second.views[0]!.seq).toBe(stored.seq + 1);
    expect(second.screen()).toBe('enterPin');
    expect(second.host.counts()).toMatchObject({ restoredFromSnapshot: true });
    expect(second.views.every((view, index) => index === 0 || view.seq === second.views[index - 1]!.seq + 1)).toBe(true);
    await second.host.stop();
  });

  it('counts events the state takes and those it ignores; stores the outbox list with every record', async () => {
    const pending = [{ activationId: 'act-0', cardNumber: 'TT00000000000001', proof: PROOF }];
    const session = startHost({ pending });
    await session.host.start();
    await settle();
    await session.deliver({ type: 'user.confirmCardData' });
    expect(session.host.counts()).toMatchObject({ accepted: 0, ignored: 1, restoredFromSnapshot: false });
    await session.deliver({ type: 'card.inserted', reader: 'reader-0' } as never);
    expect(session.host.counts()).toMatchObject({ accepted: 1, ignored: 1 });
    // persist() resolves only once the record is stored: the outbox awaits it before its first send.
    session.store.holding = true;
    let stored = false;
    const persisted = session.host.persist().then(() => (stored = true));
    await settle();
    expect(stored).toBe(false);
    const write = session.store.held.shift()!;
    expect(write.record.pendingCompletions).toEqual(pending);
    write.release();
    await persisted;
    expect(session.store.saved.at(-1)!.pendingCompletions).toEqual(pending);
    await session.host.stop();
  });

  it('hands an activation over when staff end a session whose complete the registry has not heard', async () => {
    const session = startHost({ completeFails: true });
    await toPin(session);
    await session.deliver({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
    expect(session.completes.length).toBeGreaterThan(0);
    await session.deliver({ type: 'staff.abort', staffId: 'S01' } as never);
    expect(session.handedOver).toEqual([{ activationId: 'act-1', cardNumber: CARD.cardNumber, proof: PROOF }]);
    await session.host.stop();
  });
});
