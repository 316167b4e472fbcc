// services/kiosk-engine/arrival-order.ts: events reach the session in the order they arrived, a
// step still being checked (a staff token) holding back whatever arrives after it.
import { describe, expect, it } from 'vitest';
import { ArrivalOrder } from '../../services/kiosk-engine/arrival-order.ts';

function held<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

describe('arrival order', () => {
  it('runs a ready step at once when nothing waits before it', () => {
    const ran: string[] = [];
    const order = new ArrivalOrder(() => undefined);
    order.take(() => ran.push('a'));
    order.take(() => ran.push('b'));
    expect(ran).toEqual(['a', 'b']);
    expect(order.waiting).toBe(0);
  });

  it('holds back what arrives after a step still being checked, then runs all in arrival order', async () => {
    const ran: string[] = [];
    const order = new ArrivalOrder(() => undefined);
    const check = held<() => void>();
    order.take(() => ran.push('before'));
    order.take(check.promise);
    order.take(() => ran.push('card after staff'));
    order.take(() => ran.push('input after that'));
    await Promise.resolve();
    expect(ran).toEqual(['before']);
    expect(order.waiting).toBe(3);
    check.resolve(() => ran.push('staff'));
    await order.idle();
    expect(ran).toEqual(['before', 'staff', 'card after staff', 'input after that']);
    expect(order.waiting).toBe(0);
    order.take(() => ran.push('later'));
    expect(ran.at(-1)).toBe('later');
  });

  it('reports a check that failed and a step that threw, and goes on with the rest', async () => {
    const failures: unknown[] = [];
    const ran: string[] = [];
    const order = new ArrivalOrder((error) => failures.push(error));
    const check = held<() => void>();
    order.take(check.promise);
    order.take(() => {
      throw new Error('step broke');
    });
    order.take(() => ran.push('still runs'));
    check.reject(new Error('check broke'));
    await order.idle();
    expect(failures.map((error) => (error as Error).message)).toEqual(['check broke', 'step broke']);
    expect(ran).toEqual(['still runs']);
  });
});
