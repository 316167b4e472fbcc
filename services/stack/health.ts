// Is every part of the stack up? Each part is asked over NATS the way its clients ask it, so a
// green /healthz means the kiosk can really serve an applicant.
import type { NatsConnection } from '@nats-io/nats-core';
import { kioskSubjects } from '../../machines/contract/index.ts';
import type { HealthReport } from '../ui/static.service.ts';

async function answers(nc: NatsConnection, subject: string, timeout: number): Promise<{ ok: boolean; detail?: string }> {
  try {
    await nc.request(subject, new Uint8Array(), { timeout });
    return { ok: true };
  } catch (error) {
    return { ok: false, detail: `${subject}: ${(error as Error).message}` };
  }
}

export async function checkHealth(nc: NatsConnection, kioskId: string, timeout = 1_000): Promise<HealthReport> {
  const subjects = kioskSubjects(kioskId);
  const [registry, cardAgent, engine] = await Promise.all([
    // The micro-service protocol's PING: any registry instance answers.
    answers(nc, '$SRV.PING.registry', timeout),
    answers(nc, subjects.cardStatus, timeout),
    answers(nc, subjects.viewGet, timeout),
  ]);
  const parts = { nats: { ok: !nc.isClosed() }, registry, cardAgent, engine };
  return { ok: Object.values(parts).every((part) => part.ok), parts };
}
