// Every message of every JetStream stream (KV buckets are streams too, history included), as
// text, so a canary test can look for secrets in everything the system ever stored.
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';

export async function collectStoredText(nc: NatsConnection): Promise<string> {
  const jsm = await jetstreamManager(nc);
  const parts: string[] = [];
  for await (const stream of jsm.streams.list()) {
    const { first_seq: first, last_seq: last } = stream.state;
    for (let seq = first; seq <= last && last > 0; seq++) {
      try {
        const msg = await jsm.streams.getMessage(stream.config.name, { seq });
        if (msg === null) continue;
        parts.push(`${stream.config.name} ${msg.subject} ${msg.string()}`);
        if (msg.header) parts.push([...msg.header.keys()].map((key) => `${key}: ${msg.header.get(key)}`).join('\n'));
      } catch {
        // Deleted or purged sequence: nothing stored there.
      }
    }
  }
  return parts.join('\n');
}
