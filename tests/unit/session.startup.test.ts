// The start-up self-test (checkingReader / outOfService) with its self-check under the test's
// control: each check is a promise the test settles, so an event can be sent while a check is in
// flight. Proven from the sequence of views; the timer is a SimulatedClock and is never advanced,
// so the only way back into service is the event under test.
import { describe, expect, it } from 'vitest';
import { ContractError, type Selfcheck } from '../../machines/contract/index.ts';
import type { SessionEffects } from '../../machines/session/index.ts';
import { settle, startSessionActor } from '../support/session-actor.ts';

const healthy: Selfcheck = {
  ok: false,
  checks: [
    { id: 'service', ok: true },
    { id: 'reader', ok: true },
    { id: 'card', ok: false, code: 'CARD_NOT_DETECTED' },
  ],
};

interface PendingCheck {
  resolve(value: Selfcheck): void;
  reject(error: unknown): void;
}

function startWithHeldChecks() {
  const checks: PendingCheck[] = [];
  const unused = () => Promise.reject(new Error('not used at start-up'));
  const effects: SessionEffects = {
    selfcheck: () => new Promise<Selfcheck>((resolve, reject) => checks.push({ resolve, reject })),
    // Held for ever: these tests end where the card starts being read.
    readCard: () => new Promise(() => undefined),
    identifyCard: unused,
    verifyIdentity: unused,
    acceptCertificate: unused,
    setPin: unused,
    completeActivation: unused,
  };
  const { actor, views, send } = startSessionActor(effects);
  /** The screens shown so far, consecutive repeats folded. */
  const screens = () => views.map((view) => view.screen).filter((screen, index, all) => index === 0 || all[index - 1] !== screen);
  return { actor, checks, screens, send };
}

describe('start-up: no reader event is lost during the self-test', () => {
  it('a reader attached while the first check is in flight checks again at once (the late answer is ignored)', async () => {
    const kiosk = startWithHeldChecks();
    expect(kiosk.checks).toHaveLength(1);
    // The agent announces its reader while the engine's first check (sent before the agent answered) is out.
    await kiosk.send({ type: 'reader.attached', reader: 'reader-0' });
    expect(kiosk.checks).toHaveLength(2);
    // The first check fails as it would have (nobody answered then): it no longer counts.
    kiosk.checks[0]!.reject(new ContractError('READER_NOT_FOUND'));
    await settle();
    kiosk.checks[1]!.resolve(healthy);
    await settle();
    expect(kiosk.screens()).toEqual(['outOfService', 'insertCard']);
  });

  it('a reader detached and attached again during the check ends with a check made after both', async () => {
    const kiosk = startWithHeldChecks();
    await kiosk.send({ type: 'reader.detached', reader: 'reader-0' });
    await kiosk.send({ type: 'reader.attached', reader: 'reader-0' });
    expect(kiosk.checks).toHaveLength(3);
    kiosk.checks[2]!.resolve(healthy);
    await settle();
    expect(kiosk.screens()).toEqual(['outOfService', 'insertCard']);
  });

  it('a card put in during the check is read, not left in an idle kiosk', async () => {
    const kiosk = startWithHeldChecks();
    await kiosk.send({ type: 'card.inserted', reader: 'reader-0' });
    expect(kiosk.checks).toHaveLength(2);
    kiosk.checks[1]!.resolve({ ok: true, checks: [{ id: 'reader', ok: true }, { id: 'card', ok: true }, { id: 'token', ok: true }] });
    await settle();
    expect(kiosk.screens()).toEqual(['outOfService', 'readingCard']);
  });

  it('out of service, a card put in checks again at once instead of waiting for the timer', async () => {
    const kiosk = startWithHeldChecks();
    kiosk.checks[0]!.reject(new ContractError('READER_NOT_FOUND'));
    await settle();
    expect(kiosk.actor.getSnapshot().value).toBe('outOfService');
    await kiosk.send({ type: 'card.inserted', reader: 'reader-0' });
    expect(kiosk.checks).toHaveLength(2);
    kiosk.checks[1]!.resolve({ ok: true, checks: [{ id: 'reader', ok: true }, { id: 'card', ok: true }, { id: 'token', ok: true }] });
    await settle();
    expect(kiosk.screens()).toEqual(['outOfService', 'readingCard']);
  });
});
