// JetStream publishes whose acks come back on one shared inbox subscription. nats.js's
// `js.publish` (and `kv.put` / `kv.update`, built on it) makes one request per publish — a timer,
// a multiplexer entry and an Error object each — which measured about three times the CPU of this
// under load. The hot writes use this: every card change of the registry
// (services/registry/card-stream.ts) and every session snapshot of a kiosk's engine
// (services/kiosk-engine/snapshot-store.ts). The protocol is the same: a publish with a reply
// subject, answered by a PubAck.
import type { MsgHdrs, NatsConnection, Msg, Subscription } from '@nats-io/nats-core';
import { createInbox } from '@nats-io/nats-core';
import { CodedError } from '../machines/contract/coded-error.ts';

/** A JetStream API error carried in a PubAck (e.g. 10071, a stale expected sequence). */
export class JetStreamWriteError extends CodedError<number> {
  constructor(code: number, description: string) {
    super('JetStreamWriteError', code, description);
  }
}

export interface Ack {
  /** The stream sequence the message was stored at: for a KV bucket, the new revision. */
  readonly seq: number;
  /** The stream already had a message with this Nats-Msg-Id: nothing new was stored. */
  readonly duplicate: boolean;
}

interface Waiting {
  readonly resolve: (ack: Ack) => void;
  readonly reject: (error: Error) => void;
  readonly deadline: number;
}

interface PubAckBody {
  seq?: number;
  duplicate?: boolean;
  error?: { code?: number; err_code?: number; description?: string };
}

export class AckedPublisher {
  readonly #nc: NatsConnection;
  readonly #inbox: string;
  readonly #subscription: Subscription;
  readonly #waiting = new Map<string, Waiting>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #timeoutMs: number;
  #next = 0;

  constructor(nc: NatsConnection, timeoutMs = 5_000) {
    this.#nc = nc;
    this.#timeoutMs = timeoutMs;
    // Under the connection's own inbox prefix: the only inboxes its NATS user may read.
    this.#inbox = createInbox((nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
    this.#subscription = nc.subscribe(`${this.#inbox}.*`, { callback: (error, msg) => (error ? undefined : this.#settle(msg)) });
    // One timer for all publishes, instead of one per publish: a late ack is as good as none.
    this.#sweeper = setInterval(() => this.#expire(Date.now(), 'timed out waiting for the JetStream ack'), Math.min(1_000, timeoutMs)).unref();
  }

  /** Publishes to a JetStream subject and resolves with the PubAck; a JetStream error rejects. */
  publish(subject: string, data: string | Uint8Array, headers?: MsgHdrs): Promise<Ack> {
    const token = (this.#next++).toString(36);
    return new Promise<Ack>((resolve, reject) => {
      this.#waiting.set(token, { resolve, reject, deadline: Date.now() + this.#timeoutMs });
      try {
        this.#nc.publish(subject, data, { reply: `${this.#inbox}.${token}`, ...(headers === undefined ? {} : { headers }) });
      } catch (error) {
        this.#waiting.delete(token);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Stops listening; publishes still waiting fail. */
  close(): void {
    clearInterval(this.#sweeper);
    this.#subscription.unsubscribe();
    this.#expire(Number.POSITIVE_INFINITY, 'the publisher was closed before the JetStream ack came');
  }

  #settle(msg: Msg): void {
    const token = msg.subject.slice(this.#inbox.length + 1);
    const waiting = this.#waiting.get(token);
    if (!waiting) return;
    this.#waiting.delete(token);
    if (msg.data.length === 0) {
      // No stream listens on the subject (503, no responders) or some other status without a body.
      waiting.reject(new Error(`JetStream did not store the message (status ${msg.headers?.code ?? 'none'})`));
      return;
    }
    let ack: PubAckBody;
    try {
      ack = JSON.parse(msg.string()) as PubAckBody;
    } catch {
      waiting.reject(new Error('JetStream answered with something that is not a PubAck'));
      return;
    }
    if (ack.error) {
      waiting.reject(new JetStreamWriteError(ack.error.err_code ?? ack.error.code ?? 0, ack.error.description ?? 'JetStream error'));
    } else if (typeof ack.seq !== 'number') {
      waiting.reject(new Error('JetStream answered with a PubAck without a sequence'));
    } else {
      waiting.resolve({ seq: ack.seq, duplicate: ack.duplicate === true });
    }
  }

  #expire(now: number, reason: string): void {
    for (const [token, waiting] of this.#waiting) {
      if (waiting.deadline <= now) {
        this.#waiting.delete(token);
        waiting.reject(new Error(reason));
      }
    }
  }
}
