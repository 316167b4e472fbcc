// Idle timeout on the real stack: "are you still there?" with a deadline the user can extend,
// and the session wiped when nobody answers. The answer window stays at the machine's floor of
// 20 s (WCAG 2.2.1); the engine runs on a simulated clock, so the test moves time on instead of
// waiting for it.
import { SimulatedClock } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_STILL_THERE_TIMEOUT } from '../../machines/session/index.ts';
import { startEngine, type RunningEngine } from '../../services/kiosk-engine/engine.service.ts';
import { cardRecord } from '../support/softhsm.ts';
import { startTestStack, TEST_TIMING, type TestStack } from '../support/stack.ts';

const CARD = 'TI00000000000001';

describe('idle timeout', () => {
  let stack: TestStack;
  let engine: RunningEngine | undefined;
  const clock = new SimulatedClock();
  const IDLE = 400;

  beforeAll(async () => {
    clock.set(Date.now());
    stack = await startTestStack({ kioskId: 'kiosk-idle' });
    await stack.provision([cardRecord(CARD, { userCode: 'Idle$code1' })]);
    engine = await startEngine({ nc: stack.nc, kioskId: stack.kioskId, timing: { ...TEST_TIMING, idleTimeout: IDLE }, clock });
    await stack.waitForView((v) => v.screen === 'insertCard', 'idle kiosk');
  });

  afterAll(async () => {
    await engine?.stop();
    await stack?.stop();
  });

  it('asks, can be extended, and ends the session when nobody answers', async () => {
    await stack.insert(CARD);
    const choosing = await stack.waitForView((v) => v.screen === 'choosePath', 'choose path');
    expect(Date.parse(choosing.deadline ?? '')).toBe(clock.now() + IDLE);
    clock.increment(IDLE);
    const asked = await stack.waitForView((v) => v.screen === 'stillThere', 'still there?');
    expect(asked.returnScreen).toBe('choosePath');
    expect(asked.accepts).toContain('user.stillHere');
    expect(Date.parse(asked.deadline ?? '') - clock.now()).toBeGreaterThanOrEqual(MIN_STILL_THERE_TIMEOUT);

    // Just before the deadline an answer still counts.
    clock.increment(MIN_STILL_THERE_TIMEOUT - 1);
    stack.send({ type: 'user.stillHere' });
    const back = await stack.waitForView((v) => v.seq > asked.seq && v.screen === 'choosePath', 'back on the same screen');
    expect(back.card?.cardNumber).toBe(CARD);

    clock.increment(IDLE);
    const askedAgain = await stack.waitForView((v) => v.seq > back.seq && v.screen === 'stillThere', 'asked again');
    clock.increment(Date.parse(askedAgain.deadline ?? '') - clock.now());
    // The session is over and wiped; the card is still in, so the kiosk asks for it first.
    const wiped = await stack.waitForView((v) => v.seq > askedAgain.seq && v.screen === 'removeCard', 'session ended');
    expect(wiped.card).toBeUndefined();
    expect(wiped.path).toBeUndefined();
  });
});
