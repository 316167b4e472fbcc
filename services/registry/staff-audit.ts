// The staff audit trail: RA_AUDIT messages for every authenticated staff request, look-ups
// included (who asked what about which card, and the outcome; never a token or a contact). The
// stream denies delete and purge, no application login may update it (docs/security.md), it is
// bounded (`max_bytes`, new messages refused when full, a warning long before), and it is a hash
// chain with signed checkpoints (audit-chain.ts). Several registry instances write it: each
// message is published with the stream's expected last sequence, so the chain has exactly the
// stream's order; an instance that lost the race re-reads the tip and links again.
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { KeyObject } from 'node:crypto';
import type { StaffAuditEvent } from '../../machines/contract/staff.ts';
import type { Logger } from '../../platform/log.ts';
import { chainHash, GENESIS, makeCheckpoint, type ChainLink } from './audit-chain.ts';

export const STAFF_AUDIT_STREAM = 'RA_AUDIT';
export const staffAuditSubject = (action: StaffAuditEvent['action']) => `ra.audit.staff.${action}`;
/** Checkpoints share the stream (and its chain) under the audit's existing subject filter. */
export const AUDIT_CHECKPOINT_SUBJECT = 'ra.audit.staff.checkpoint';
/** Kept for years: who looked at a card is asked about long after. */
const AUDIT_MAX_AGE_NS = 5 * 365 * 24 * 3_600 * 1e9;
/**
 * About 10 million entries of ~200 bytes: years of a busy office. nats-server reserves `max_bytes`
 * in its store: with RA_EVENTS (8 GiB) the evidence takes half of a hub node's 20 GiB.
 */
export const AUDIT_MAX_BYTES = 2 * 1024 ** 3;
/** A checkpoint after at most this many entries… */
export const DEFAULT_CHECKPOINT_EVERY = 100;
/** …and at least this often while entries come in. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 5 * 60_000;
/** Rounds of "someone else appended first: re-read the tip and link again" before giving up. */
const MAX_APPEND_ROUNDS = 64;

export async function ensureStaffAuditStream(jsm: JetStreamManager, replicas: number, maxBytes = AUDIT_MAX_BYTES): Promise<void> {
  const config = {
    name: STAFF_AUDIT_STREAM,
    subjects: ['ra.audit.staff.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: replicas,
    max_age: AUDIT_MAX_AGE_NS,
    max_bytes: maxBytes,
    // Full means refused, never "oldest cut": a staff change then is refused too (no audit, no change).
    discard: DiscardPolicy.New,
    deny_delete: true,
    deny_purge: true,
  };
  try {
    await jsm.streams.info(STAFF_AUDIT_STREAM);
    return;
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
  }
  // Adding a stream that another instance just added with the same config succeeds.
  await jsm.streams.add(config);
}

/** The last message of the chain: where the next one links. */
interface Tip extends ChainLink {
  /** Its stream sequence (0: the stream is empty). */
  readonly seq: number;
  readonly hash: string;
  /** `n` of the last checkpoint at or before it (0: none yet). */
  readonly checkpointN: number;
  readonly isCheckpoint: boolean;
}

export interface AuditTrailOptions {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Signs checkpoints: derived from the registry key, so every instance signs with the same key. */
  readonly signingKey: KeyObject;
  readonly clock: () => Date;
  readonly log: Logger;
  readonly checkpointEvery?: number;
}

/** Appends chained entries and checkpoints to RA_AUDIT; one instance per registry. */
export class AuditTrail {
  #tip: Tip | undefined;
  /** Appends of this instance, one after another (the chain is a single line). */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #every: number;

  constructor(private readonly options: AuditTrailOptions) {
    this.#every = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  }

  /** Resolves once the entry is stored (acknowledged by the stream); throws when it cannot be. */
  append(event: StaffAuditEvent): Promise<void> {
    return this.#serial(async () => {
      const tip = await this.#publishLinked(staffAuditSubject(event.action), (link) => JSON.stringify({ n: link.n, prev: link.prev, ...withoutLink(event) }), false);
      // Cover it at once when it completes a run; if this fails, the next append writes it first.
      if (tip.n - tip.checkpointN >= this.#every) {
        await this.#publishLinked(AUDIT_CHECKPOINT_SUBJECT, this.#checkpoint, true).catch((error: unknown) => {
          this.options.log.error('audit checkpoint not written', { error: error instanceof Error ? error.message : String(error) });
        });
      }
    });
  }

  /** Appends a checkpoint when entries came after the last one (the periodic timer calls this). */
  checkpointIfDue(): Promise<void> {
    return this.#serial(async () => {
      const tip = this.#tip ?? (await this.#readTip());
      if (tip.seq > 0 && !tip.isCheckpoint) await this.#publishLinked(AUDIT_CHECKPOINT_SUBJECT, this.#checkpoint, true);
    });
  }

  readonly #checkpoint = (link: ChainLink) => makeCheckpoint(link, this.options.clock().toISOString(), this.options.signingKey);

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Publishes `make(link)` so that it follows the current tip exactly: with Nats-Expected-Last-
   * Sequence, re-reading the tip when another instance appended first. A publish whose ack was lost
   * is found as the tip on the re-read and counts as done. An entry is never appended to a run of
   * `every` entries without a checkpoint, whichever instance wrote them: the checkpoint goes first.
   */
  async #publishLinked(subject: string, make: (link: ChainLink) => string, checkpoint: boolean): Promise<Tip> {
    for (let round = 0; round < MAX_APPEND_ROUNDS; round++) {
      const tip = this.#tip ?? (await this.#readTip());
      if (!checkpoint && !tip.isCheckpoint && tip.n - tip.checkpointN >= this.#every) {
        await this.#publishLinked(AUDIT_CHECKPOINT_SUBJECT, this.#checkpoint, true);
        continue;
      }
      const link = { n: tip.n + 1, prev: tip.hash };
      const data = make(link);
      try {
        const ack = await this.options.js.publish(subject, data, { expect: { lastSequence: tip.seq } });
        const stored: Tip = { ...link, seq: ack.seq, hash: chainHash(data), checkpointN: checkpoint ? link.n : tip.checkpointN, isCheckpoint: checkpoint };
        this.#tip = stored;
        return stored;
      } catch (error) {
        this.#tip = undefined;
        const now = await this.#readTip().catch(() => undefined);
        if (now !== undefined && now.hash === chainHash(data)) return now;
        if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamWrongLastSequence)) throw error;
      }
    }
    throw new Error('the audit chain kept moving: too many registry instances appending at once');
  }

  /** The stream's last message, and where the last checkpoint is (its `n`; 0 when there is none). */
  async #readTip(): Promise<Tip> {
    const info = await this.options.jsm.streams.info(STAFF_AUDIT_STREAM);
    const seq = info.state.last_seq;
    if (seq === 0 || info.state.messages === 0) return { n: 0, prev: GENESIS, seq, hash: GENESIS, checkpointN: 0, isCheckpoint: false };
    const last = await this.options.jsm.streams.getMessage(STAFF_AUDIT_STREAM, { seq });
    if (last === null) throw new Error(`RA_AUDIT has no message ${seq}`);
    const message = last.json<{ n?: number; checkpoint?: unknown }>();
    const n = typeof message.n === 'number' ? message.n : seq;
    const isCheckpoint = message.checkpoint !== undefined;
    let checkpointN = n;
    if (!isCheckpoint) {
      const lastCheckpoint = await this.options.jsm.streams.getMessage(STAFF_AUDIT_STREAM, { last_by_subj: AUDIT_CHECKPOINT_SUBJECT }).catch(() => null);
      checkpointN = lastCheckpoint === null ? 0 : (lastCheckpoint.json<{ n?: number }>().n ?? 0);
    }
    this.#tip = { n, prev: '', seq, hash: chainHash(last.data), checkpointN, isCheckpoint };
    return this.#tip;
  }
}

function withoutLink(event: StaffAuditEvent): Omit<StaffAuditEvent, 'n' | 'prev'> {
  const { n: _n, prev: _prev, ...rest } = event;
  return rest;
}

/** How full a bounded stream is, as a fraction of its `max_bytes` (undefined: no limit). */
export async function streamFill(jsm: JetStreamManager, stream: string): Promise<{ bytes: number; maxBytes: number; fraction: number } | undefined> {
  const info = await jsm.streams.info(stream);
  const maxBytes = info.config.max_bytes;
  if (!(maxBytes > 0)) return undefined;
  return { bytes: info.state.bytes, maxBytes, fraction: info.state.bytes / maxBytes };
}
