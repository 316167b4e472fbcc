// Is the kiosk in service? Each part is asked over NATS the way its clients ask it, and what it
// answers is read: the server must answer a ping, the card agent must have a working reader, the
// engine must show a screen other than outOfService. 200 only then; the body says the kiosk's
// screen and each part's state (docs/operations.md).
import type { NatsConnection } from '@nats-io/nats-core';
import { kioskSubjects, type View } from '../../machines/contract/index.ts';
import type { CardStatusReply } from '../../card/agent.service.ts';
import type { HealthReport } from '../ui/static.service.ts';

type PartHealth = { ok: boolean; detail?: string };

export interface KioskHealthReport extends HealthReport {
  /** The screen the kiosk shows (null when the engine did not answer). */
  screen: View['screen'] | null;
}

async function ask<T>(nc: NatsConnection, subject: string, timeout: number): Promise<{ ok: true; reply: T | undefined } | { ok: false; detail: string }> {
  try {
    const msg = await nc.request(subject, new Uint8Array(), { timeout });
    return { ok: true, reply: msg.data.length === 0 ? undefined : (msg.json<T>() ?? undefined) };
  } catch (error) {
    return { ok: false, detail: `${subject}: ${(error as Error).message}` };
  }
}

/** A PING answered by the server itself: a connection that is down (or a server that hangs) fails it. */
async function natsHealth(nc: NatsConnection, timeout: number): Promise<PartHealth> {
  if (nc.isClosed()) return { ok: false, detail: 'connection closed' };
  let timer: NodeJS.Timeout | undefined;
  try {
    const rtt = await Promise.race([
      nc.rtt(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer to a ping within ${timeout} ms`)), timeout);
      }),
    ]);
    return { ok: true, detail: `${nc.getServer()} answered a ping in ${Math.round(rtt)} ms` };
  } catch (error) {
    return { ok: false, detail: `${nc.getServer()}: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

function cardAgentHealth(answer: Awaited<ReturnType<typeof ask<CardStatusReply>>>): PartHealth {
  if (!answer.ok) return answer;
  const status = answer.reply;
  if (status === undefined) return { ok: false, detail: 'empty status' };
  if (status.readerService !== undefined && !status.readerService.ok) return { ok: false, detail: `reader service: ${status.readerService.detail}` };
  if (status.readers.length === 0) return { ok: false, detail: 'no reader attached' };
  return { ok: true, detail: status.readers.map((reader) => reader.name).join(', ') };
}

export async function checkHealth(nc: NatsConnection, kioskId: string, timeout = 1_000): Promise<KioskHealthReport> {
  const subjects = kioskSubjects(kioskId);
  const [nats, registry, cardAgent, engine] = await Promise.all([
    natsHealth(nc, timeout),
    // The micro-service protocol's PING: any registry instance answers.
    ask(nc, '$SRV.PING.registry', timeout),
    ask<CardStatusReply>(nc, subjects.cardStatus, timeout),
    ask<View>(nc, subjects.viewGet, timeout),
  ]);
  const screen = engine.ok ? (engine.reply?.screen ?? null) : null;
  const parts: Record<string, PartHealth> = {
    nats,
    registry: registry.ok ? { ok: true } : registry,
    cardAgent: cardAgentHealth(cardAgent),
    engine: engine.ok ? (screen === null ? { ok: false, detail: 'no view yet' } : { ok: true }) : engine,
    kiosk:
      screen === null
        ? { ok: false, detail: 'screen unknown' }
        : { ok: screen !== 'outOfService', detail: screen === 'outOfService' ? 'out of service' : `in service (${screen})` },
  };
  return { ok: Object.values(parts).every((part) => part.ok), screen, parts };
}
