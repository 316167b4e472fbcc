// Persist before telling the registry, as the wire shows it. The engine's snapshot writes (KV puts
// on `$KV.<bucket>.<kiosk>`) and its `complete` requests leave on one connection, so a watcher on
// both subjects sees them in the order the engine sent them:
//   - the first `complete` of a session follows a write of the snapshot holding the card's proof
//     (an engine killed after the registry heard it restarts in `completingActivation`, never at
//     the PIN screen for a card the registry counts as activated);
//   - the first `complete` the completion outbox sends for an ended session follows a write of
//     the snapshot listing it (an engine killed right after still has it to send).
import type { Subscription } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JETSTREAM, registrySubjectFor, type View } from '../../machines/contract/index.ts';
import { cardRecord } from '../support/softhsm.ts';
import { startTestStack, TEST_TIMING, type TestStack } from '../support/stack.ts';
import { until } from '../support/until.ts';

const CARD = 'TO00000000000001';
const USER_CODE = 'Uo$Canary3';
const PIN = 'Po!9c4ry';

/** One message seen on the wire: a snapshot write (what it holds) or a `complete` request. */
type Seen =
  | { kind: 'write'; proofHeld: boolean; pending: string[] }
  | { kind: 'complete'; activationId: string };

interface StoredShape {
  session: { context: { possessionProof: unknown; resumeAt: unknown } };
  pendingCompletions?: Array<{ activationId: string }>;
}

const onScreen = (screen: View['screen']) => (view: View) => view.screen === screen;

describe('the engine persists before it tells the registry', () => {
  let stack: TestStack;
  let watcher: Subscription;
  const seen: Seen[] = [];

  beforeAll(async () => {
    // The session resends complete only after a minute: every complete after staff end it is the outbox's.
    stack = await startTestStack({ kioskId: 'kiosk-order', timing: { ...TEST_TIMING, completeRetryBaseDelay: 60_000, completeRetryMaxDelay: 60_000 } });
    await stack.provision([cardRecord(CARD, { userCode: USER_CODE })]);
    const watch = await stack.nats.connect('wire-watcher');
    const writes = `$KV.${JETSTREAM.kioskSnapshotsBucket}.${stack.kioskId}`;
    const completes = registrySubjectFor('complete', stack.kioskId);
    // One subscription for both subjects keeps their order as the server delivered them.
    watcher = watch.subscribe('>', {
      callback: (_error, msg) => {
        if (msg.subject === writes) {
          const stored = msg.json<StoredShape>();
          seen.push({
            kind: 'write',
            proofHeld: stored.session.context.possessionProof !== null && stored.session.context.resumeAt === 'completingActivation',
            pending: (stored.pendingCompletions ?? []).map((input) => input.activationId),
          });
        } else if (msg.subject === completes) {
          seen.push({ kind: 'complete', activationId: msg.json<{ activationId: string }>().activationId });
        }
      },
    });
    await watch.flush();
    await stack.startEngine();
    await stack.waitForView(onScreen('insertCard'), 'idle kiosk');
  });

  afterAll(async () => {
    watcher?.unsubscribe();
    await stack?.stop();
  });

  it("writes the proof-holding snapshot before the first complete, and the outbox's list before its first complete", async () => {
    await stack.insert(CARD);
    await stack.waitForView(onScreen('choosePath'), 'choose path');
    stack.send({ type: 'user.choosePath', path: 'self-applied' });
    await stack.waitForView(onScreen('enterUserCode'), 'user code');
    stack.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    await stack.waitForView(onScreen('confirmCardData'), 'card data');
    stack.send({ type: 'user.confirmCardData' });
    await stack.waitForView(onScreen('enterPin'), 'PIN screen');
    // The registry goes down right after it hands out the PIN grant: the PIN is set, complete finds nobody.
    const grants = stack.nc.subscribe(registrySubjectFor('pinGrant', stack.kioskId), { max: 1 });
    const registryDown = (async () => {
      for await (const _grant of grants) await stack.stopRegistry();
    })();
    stack.send({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
    await registryDown;
    await stack.waitForView(onScreen('settingPin'), 'PIN set, telling the registry');
    await until(() => seen.some((entry) => entry.kind === 'complete'), 'complete sent while the registry is down');

    const firstComplete = seen.findIndex((entry) => entry.kind === 'complete');
    expect(seen.slice(0, firstComplete).some((entry) => entry.kind === 'write' && entry.proofHeld)).toBe(true);

    // Staff end the session: the activation goes to the completion outbox, which sends it again.
    const completesBefore = seen.filter((entry) => entry.kind === 'complete').length;
    const handedOverAt = seen.length;
    stack.staff({ type: 'staff.abort' });
    await stack.waitForView(onScreen('removeCard'), 'session ended by staff');
    await until(() => stack.engine!.stats().completionsPending === 1, 'handed over to the outbox');
    await until(() => seen.filter((entry) => entry.kind === 'complete').length > completesBefore, 'the outbox sends complete');
    const afterHandover = seen.slice(handedOverAt);
    const outboxSends = afterHandover.findIndex((entry) => entry.kind === 'complete');
    const activationId = (afterHandover[outboxSends] as { activationId: string }).activationId;
    const listedBefore = afterHandover.slice(0, outboxSends).some((entry) => entry.kind === 'write' && entry.pending.includes(activationId));
    expect(listedBefore).toBe(true);
  });
});
