// The session machine's named effects, done for real: the card agent and the registry over NATS.
// Each one decodes the reply against the contract and rejects with a ContractError, so the machine
// routes failures by code. What "nobody answered" means differs by whom we asked: a silent
// registry is the manual's 3125; a silent card agent is a reader the kiosk cannot use.
import type { NatsConnection } from '@nats-io/nats-core';
import {
  AcceptReplySchema,
  CardDataSchema,
  CompleteReplySchema,
  IdentifyReplySchema,
  kioskSubjects,
  registrySubjectFor,
  SelfcheckSchema,
  SetPinReplySchema,
  VerifyReplySchema,
} from '../../machines/contract/index.ts';
import { readClockFrom, type SessionEffects } from '../../machines/session/index.ts';
import { requestJson } from '../../platform/nats-json.ts';

export interface EffectTimeouts {
  /** card.status / selfcheck / read: local and quick, but a real card's first read can take seconds. */
  cardMs: number;
  /** One registry request. The machine retries acceptance itself after a 3125. */
  registryMs: number;
  /** card.set-pin: the agent asks the registry for the grant, then sets the PIN and signs on the token. */
  setPinMs: number;
}

export const DEFAULT_EFFECT_TIMEOUTS: EffectTimeouts = { cardMs: 10_000, registryMs: 5_000, setPinMs: 20_000 };

export function natsSessionEffects(nc: NatsConnection, kioskId: string, timeouts: EffectTimeouts = DEFAULT_EFFECT_TIMEOUTS): SessionEffects {
  const card = kioskSubjects(kioskId);
  // Kiosks ask on `<subject>.<kiosk>`, so that in production NATS permissions say who is asking.
  const registry = (endpoint: Parameters<typeof registrySubjectFor>[0]) => registrySubjectFor(endpoint, kioskId);
  return {
    selfcheck: (input) =>
      requestJson(nc, card.cardSelfcheck, input, SelfcheckSchema, { timeout: timeouts.cardMs, unreachable: 'READER_NOT_FOUND' }),
    // No answer is the card agent's (or the link's) fault, not the card's: READER_NOT_FOUND, as for
    // the self-test, so the machine checks again instead of sending the card to be mailed in.
    readCard: () => requestJson(nc, card.cardRead, {}, CardDataSchema, { timeout: timeouts.cardMs, unreachable: 'READER_NOT_FOUND' }),
    identifyCard: (input) =>
      requestJson(nc, registry('identify'), { ...input, kioskId }, IdentifyReplySchema, {
        timeout: timeouts.registryMs,
        unreachable: '3125',
      }),
    verifyIdentity: (input) =>
      requestJson(nc, registry('verify'), { ...input, kioskId }, VerifyReplySchema, {
        timeout: timeouts.registryMs,
        unreachable: '3125',
      }),
    acceptCertificate: (input) =>
      requestJson(nc, registry('accept'), input, AcceptReplySchema, { timeout: timeouts.registryMs, unreachable: '3125' }),
    setPin: async (input) => {
      const reply = await requestJson(nc, card.cardSetPin, input, SetPinReplySchema, {
        timeout: timeouts.setPinMs,
        unreachable: '3125',
      });
      return { at: reply.at, proof: reply.proof };
    },
    // The machine resends this (with back-off) until the registry answers: it is idempotent.
    completeActivation: (input) =>
      requestJson(nc, registry('complete'), input, CompleteReplySchema, { timeout: timeouts.registryMs, unreachable: '3125' }),
  };
}

/**
 * The clock the session runs on: its timers (XState's `clock`) and what it reads as now (the
 * machine's `readClock`). Production leaves it out (the system clock); tests pass a SimulatedClock
 * so that a 20 s "still there?" passes without waiting 20 s.
 */
export interface EngineClock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown;
  clearTimeout(id: unknown): void;
  now(): number;
}

/**
 * What `createActor` and `sessionMachine.provide` take for a clock: the engine always gives the
 * machine its clock (the system's when none is given), so the machine's time has one source here.
 */
export function sessionClockOptions(clock: EngineClock | undefined) {
  const now = clock === undefined ? () => Date.now() : () => clock.now();
  return { actor: (clock === undefined ? {} : { clock }) as { clock?: EngineClock }, actions: { readClock: readClockFrom(now) } };
}
