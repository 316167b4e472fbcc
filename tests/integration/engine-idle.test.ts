// Idle timeout on the real stack: "are you still there?" with a deadline the user can extend,
// and the session wiped when nobody answers. The answer window stays at the machine's floor of
// 20 s (WCAG 2.2.1), so this file takes about that long.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardImportRecord } from '../../machines/contract/index.ts';
import { startTestStack, TEST_TIMING, type TestStack } from '../support/stack.ts';

const CARD = 'TI00000000000001';

describe('idle timeout', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ kioskId: 'kiosk-idle', timing: { ...TEST_TIMING, idleTimeout: 400 } });
    await stack.provision([
      {
        cardNumber: CARD,
        route: 'self-applied',
        holderName: '測試公司I',
        ubn: '97969933',
        email: 'idle@example.com.tw',
        validFrom: '2026-01-01T00:00:00Z',
        validTo: '2031-01-01T00:00:00Z',
        userCode: 'Idle$code1',
        status: 'issued',
      } as CardImportRecord,
    ]);
    await stack.startEngine();
    await stack.waitForView((v) => v.screen === 'insertCard', 'idle kiosk');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('asks, can be extended, and ends the session when nobody answers', async () => {
    await stack.insert(CARD);
    await stack.waitForView((v) => v.screen === 'choosePath', 'choose path');
    const asked = await stack.waitForView((v) => v.screen === 'stillThere', 'still there?');
    expect(asked.returnScreen).toBe('choosePath');
    expect(asked.accepts).toContain('user.stillHere');
    const answerWindow = Date.parse(asked.deadline ?? '') - Date.now();
    expect(answerWindow).toBeGreaterThan(15_000);

    stack.send({ type: 'user.stillHere' });
    const back = await stack.waitForView((v) => v.seq > asked.seq && v.screen === 'choosePath', 'back on the same screen');
    expect(back.card?.cardNumber).toBe(CARD);

    const askedAgain = await stack.waitForView((v) => v.seq > back.seq && v.screen === 'stillThere', 'asked again');
    const wiped = await stack.waitForView((v) => v.seq > askedAgain.seq && v.screen === 'insertCard', 'session ended');
    expect(wiped.card).toBeUndefined();
    expect(wiped.path).toBeUndefined();
  });
});
