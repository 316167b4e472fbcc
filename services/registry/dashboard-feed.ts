// The office dashboard's one question to the registry (`ra.dashboard.events`): RA_EVENTS from a
// point on, a page at a time. The dashboard asks this instead of reading the stream itself, so its
// login needs no JetStream API at all: a consumer it could make would be able to deliver anywhere
// (a push consumer's deliver subject), and the API answers on whatever reply subject it is given.
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { JETSTREAM } from '../../machines/contract/index.ts';
import type { DashboardEventsReply, DashboardEventsRequest } from '../../machines/contract/registry.ts';
import { eventOf } from './card-stream.ts';

/** Events per answer: the dashboard asks again from the last one. */
export const DASHBOARD_PAGE = 500;

export async function dashboardEvents(js: JetStreamClient, jsm: JetStreamManager, request: DashboardEventsRequest): Promise<DashboardEventsReply> {
  // Read before the consumer starts: with nothing new, the next ask starts after this, and an
  // event stored in between is then still ahead of it.
  const lastStored = (await jsm.streams.info(JETSTREAM.registryEventsStream)).state.last_seq;
  const start =
    request.after !== undefined
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: request.after + 1 }
      : request.since !== undefined
        ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: request.since }
        : { deliver_policy: DeliverPolicy.All };
  const consumer = await js.consumers.get(JETSTREAM.registryEventsStream, { filter_subjects: 'ra.events.>', ...start });
  try {
    if ((await consumer.info()).num_pending === 0) return { events: [], last: Math.max(request.after ?? 0, request.after === undefined ? lastStored : 0), more: false };
    const events: unknown[] = [];
    let last = request.after ?? 0;
    let pending = 0;
    const messages = await consumer.fetch({ max_messages: DASHBOARD_PAGE, expires: 2_000 });
    for await (const msg of messages) {
      // The event only: a change message also carries the sealed record and identify's facts.
      events.push(eventOf(msg.data));
      last = msg.seq;
      pending = msg.info.pending;
      if (pending === 0 || events.length >= DASHBOARD_PAGE) break;
    }
    return { events: events as DashboardEventsReply['events'], last, more: pending > 0 };
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}
