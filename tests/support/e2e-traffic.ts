// Records every message on a nats-server (a subscription to `>`: requests, publishes and the
// replies on `_INBOX.…`), so a canary test can say exactly on which subjects a secret travelled.
// A reply is named after the request it answers, so "the registry's reply to verify" and "the
// engine's view" are told apart from the subjects that are allowed to carry a secret.
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';

export interface RecordedMessage {
  subject: string;
  /** For a reply: the subject of the request it answers (when that request was recorded too). */
  inReplyTo: string | undefined;
  /** The payload as UTF-8 text, then every header line. */
  text: string;
}

export interface TrafficRecorder {
  readonly messages: RecordedMessage[];
  /** Stops recording (after everything already sent to this client has been seen). */
  stop(): Promise<void>;
}

const decoder = new TextDecoder();

function headerText(msg: Msg): string {
  if (!msg.headers) return '';
  return [...msg.headers].map(([key, values]) => `${key}: ${values.join(', ')}`).join('\n');
}

export function recordAllTraffic(nc: NatsConnection): TrafficRecorder {
  const messages: RecordedMessage[] = [];
  const requestOf = new Map<string, string>();
  const subscription: Subscription = nc.subscribe('>', {
    callback: (_error, msg) => {
      if (msg.reply) requestOf.set(msg.reply, msg.subject);
      messages.push({
        subject: msg.subject,
        inReplyTo: requestOf.get(msg.subject),
        text: `${decoder.decode(msg.data)}\n${headerText(msg)}`,
      });
    },
  });
  return {
    messages,
    async stop() {
      await nc.flush();
      await subscription.drain();
    },
  };
}

/** Where a message travelled, as a reader of the contract names it. */
export function channelOf(message: RecordedMessage): string {
  if (message.inReplyTo !== undefined) return `reply to ${message.inReplyTo}`;
  return message.subject;
}

/** Every channel on which `secret` was seen, with how many messages carried it. */
export function channelsCarrying(messages: readonly RecordedMessage[], secret: string): Map<string, number> {
  const seen = new Map<string, number>();
  for (const message of messages) {
    if (!message.text.includes(secret)) continue;
    const channel = channelOf(message);
    seen.set(channel, (seen.get(channel) ?? 0) + 1);
  }
  return seen;
}
