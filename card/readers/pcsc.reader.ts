// Real readers through pcscd (the pcsclite addon): readers attached and detached, cards inserted
// and removed with their ATR.
//
// pcsclite cannot heal itself: if pcscd is not running its constructor throws
// (SCardEstablishContext, SCARD_E_NO_SERVICE), and if pcscd dies every reader reports "RPC
// transport error" and the context is dead for good. So on either, this drops the whole context,
// reports each reader as detached (and its card as removed), and builds a new context after a
// back-off delay, for as long as it runs. `health()` says which of the two it is doing.
import pcsclite from 'pcsclite';
import { pcscError, rawCauseOf } from '../errors.ts';
import { ReaderEventHub, type CardReaders, type ReaderEvent, type ReaderHealth, type ReaderState } from './reader.ts';

type PcscContext = ReturnType<typeof pcsclite>;
type PcscReader = Parameters<Parameters<PcscContext['on']>[1]>[0] & { name: string };

/** SCARD_STATE_PRESENT (pcsclite.h): a card is in the reader. */
const SCARD_STATE_PRESENT = 0x0020;

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 5_000 };

/** Delay before reconnect attempt `attempt` (0-based): doubling from `initialMs`, capped at `maxMs`. */
export function reconnectDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
}

function describe(error: unknown): string {
  const cause = rawCauseOf(pcscError(error));
  return cause === undefined ? String(error) : cause.name;
}

interface Attached {
  reader: PcscReader;
  state: ReaderState;
}

export class PcscReaders implements CardReaders {
  readonly kind = 'pcsc' as const;
  private readonly hub = new ReaderEventHub();
  private readonly attached = new Map<string, Attached>();
  /** Per reader name, across reconnects: a card swapped while pcscd was down is a new insertion. */
  private readonly insertions = new Map<string, number>();
  private context: PcscContext | undefined;
  private retry: NodeJS.Timeout | undefined;
  private attempt = 0;
  private running = false;
  private state: ReaderHealth = { ok: false, detail: 'not started' };

  constructor(
    private readonly options: { backoff?: BackoffOptions; log?: (msg: string, fields?: Record<string, unknown>) => void } = {},
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retry);
    this.retry = undefined;
    this.dropContext();
    this.state = { ok: false, detail: 'stopped' };
  }

  readers(): ReaderState[] {
    return [...this.attached.values()].map(({ state }) => ({ ...state }));
  }

  health(): ReaderHealth {
    return { ...this.state };
  }

  subscribe(listener: (event: ReaderEvent) => void): () => void {
    return this.hub.subscribe(listener);
  }

  private connect(): void {
    this.retry = undefined;
    if (!this.running) return;
    let context: PcscContext;
    try {
      context = pcsclite();
    } catch (error) {
      this.scheduleReconnect(error);
      return;
    }
    this.context = context;
    if (this.attempt > 0) this.options.log?.('pcscd reachable again', { attempts: this.attempt });
    this.attempt = 0;
    this.state = { ok: true, detail: 'pcscd connected' };
    context.on('reader', (reader) => this.attach(reader as PcscReader));
    context.on('error', (error) => {
      if (this.context !== context) return;
      this.options.log?.('pcscd connection lost', { cause: describe(error) });
      this.dropContext();
      this.scheduleReconnect(error);
    });
  }

  private scheduleReconnect(error: unknown): void {
    if (!this.running) return;
    const delay = reconnectDelay(this.attempt++, this.options.backoff);
    this.state = { ok: false, detail: `pcscd not reachable (${describe(error)}); retrying in ${delay} ms` };
    if (this.attempt === 1) this.options.log?.('pcscd not reachable; retrying with back-off', { cause: describe(error) });
    this.retry = setTimeout(() => this.connect(), delay);
    // A reader that never comes back must not keep a stopping process alive.
    this.retry.unref();
  }

  private attach(reader: PcscReader): void {
    const name = reader.name;
    this.attached.get(name)?.reader.close();
    const entry: Attached = {
      reader,
      state: { name, cardPresent: false, insertion: this.insertions.get(name) ?? 0 },
    };
    this.attached.set(name, entry);
    this.hub.emit('reader.attached', name);
    reader.on('status', (status: { state: number; atr?: Buffer }) => this.onStatus(entry, status));
    reader.on('error', (error: unknown) => {
      if (this.attached.get(name) === entry) this.options.log?.('reader error', { reader: name, cause: describe(error) });
    });
    reader.on('end', () => this.detach(entry));
  }

  private onStatus(entry: Attached, status: { state: number; atr?: Buffer }): void {
    if (this.attached.get(entry.state.name) !== entry) return;
    const present = (status.state & SCARD_STATE_PRESENT) !== 0;
    const atr = present && status.atr !== undefined && status.atr.length > 0 ? status.atr.toString('hex') : undefined;
    const state = entry.state;
    // A new ATR without an "empty" in between is still a different card.
    if (state.cardPresent && (!present || (atr !== undefined && atr !== state.atr))) {
      state.cardPresent = false;
      delete state.atr;
      this.hub.emit('card.removed', state.name);
    }
    if (present && !state.cardPresent) {
      state.cardPresent = true;
      state.insertion = (this.insertions.get(state.name) ?? 0) + 1;
      this.insertions.set(state.name, state.insertion);
      if (atr !== undefined) state.atr = atr;
      this.hub.emit('card.inserted', state.name, atr);
    }
  }

  private detach(entry: Attached): void {
    const name = entry.state.name;
    if (this.attached.get(name) !== entry) return;
    this.attached.delete(name);
    if (entry.state.cardPresent) this.hub.emit('card.removed', name);
    this.hub.emit('reader.detached', name);
  }

  /** Closes the context and every reader; each is reported detached now, not when its thread ends. */
  private dropContext(): void {
    const context = this.context;
    this.context = undefined;
    for (const entry of [...this.attached.values()]) {
      this.detach(entry);
      try {
        entry.reader.close();
      } catch {
        // Its thread already ended with the context; there is nothing left to release.
      }
    }
    if (context !== undefined) {
      try {
        context.close();
      } catch {
        // Same: a dead context has nothing left to release.
      }
    }
  }
}
