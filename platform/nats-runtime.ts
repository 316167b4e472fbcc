// The one way a part lives on NATS (docs/architecture.md, "One runtime"). Every part — the kiosk
// engine, the registry, the card agent, staff-auth — and every command connects here, and nowhere
// else: this is the only product module that imports the NATS transport. A part's runtime owns
//   - its endpoints: each answered through `answerRequest` (endpoint.ts), optionally registered as
//     a NATS service so that `$SRV.PING.<name>` finds it (the hub's health checks do);
//   - its plain subscriptions (events, not requests), with handler and subscription errors logged;
//   - what is in flight, so that `stop` answers every request it took before it returns;
//   - reconnect notices (the card agent announces its readers again after each).
// The connection itself stays the caller's: `stop` ends the part's subscriptions, the caller's
// `nc.drain()` (lifecycle.ts) ends the connection after it.
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { Svcm, type Service, type ServiceMsg } from '@nats-io/services';
import { connect } from '@nats-io/transport-node';
import type * as v from 'valibot';
import type { ContractError } from '../machines/contract/index.ts';
import { StaffError } from '../machines/contract/staff.ts';
import { natsConnectOptions, type StackConfig } from './config.ts';
import { answerRequest, EndpointCounters, replyAllowed, type Endpoint, type EndpointRuntime } from './endpoint.ts';
import type { LogFields, Logger } from './log.ts';
import { respondWithError } from './nats-json.ts';
import { respondWithStaffError } from './staff-errors.ts';

export type { NatsConnection };

/** The transport's connection options, as `connectNats` takes them. */
export type ConnectOptions = NonNullable<Parameters<typeof connect>[0]>;

/** Connects to NATS: the only call of the transport's `connect` in the product. */
export function connectNats(options: ConnectOptions): Promise<NatsConnection> {
  return connect(options);
}

/**
 * Connects a part with the stack's environment (NATS_URL, NATS_USER and its password, the inbox
 * prefix; config.ts), reconnecting forever unless `overrides` say otherwise (commands do).
 * `noAsyncTraces`: nats.js would otherwise build an Error with its stack for every request a part
 * makes (each KV put of the engine, each JetStream call of the registry) — about 7 % of the
 * engine's busy time in its benchmark's profile (docs/benchmarks.md) — for a trace no log prints.
 */
export function connectPart(config: StackConfig, name: string, overrides: Partial<ConnectOptions> = {}): Promise<NatsConnection> {
  return connectNats({ noAsyncTraces: true, ...natsConnectOptions(config, name), ...overrides });
}

/** A part registered as a NATS service (`$SRV.PING.<name>`, `$SRV.INFO`, `$SRV.STATS`). */
export interface ServiceIdentity {
  name: string;
  version: string;
  description: string;
  /** The queue group every endpoint answers in (instances share the load); none when left out. */
  queue?: string;
  metadata?: Record<string, string>;
}

export interface PartRuntimeOptions {
  nc: NatsConnection;
  log: Logger;
  /** How this part answers: its errors and how much it logs (endpoint.ts). */
  answering: Omit<EndpointRuntime, 'log' | 'counters'>;
  /** Register the endpoints as this NATS service; plain subscriptions when left out. */
  service?: ServiceIdentity;
  /** Without a service: the queue group of every endpoint (staff-auth's instances share the load). */
  queue?: string;
}

export interface ServeOptions {
  /** The endpoint's name in `$SRV.INFO` (unique per service); the endpoint's own name when left out. */
  serviceName?: string;
  /** Fields that start the request's log line, from the message (e.g. the kiosk of the subject). */
  fields?: (msg: Msg) => LogFields;
}

export class PartRuntime {
  readonly nc: NatsConnection;
  readonly log: Logger;
  readonly counters = new EndpointCounters();
  readonly #answering: EndpointRuntime;
  readonly #service: Service | undefined;
  readonly #queue: string | undefined;
  readonly #subscriptions: Subscription[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #reconnectListeners: Array<() => void> = [];
  #watchingStatus = false;
  #stopping: Promise<void> | undefined;

  private constructor(options: PartRuntimeOptions, service: Service | undefined) {
    this.nc = options.nc;
    this.log = options.log;
    this.#answering = { ...options.answering, log: options.log, counters: this.counters };
    this.#service = service;
    this.#queue = options.queue;
  }

  static async open(options: PartRuntimeOptions): Promise<PartRuntime> {
    const service =
      options.service === undefined
        ? undefined
        : await new Svcm(options.nc).add({
            name: options.service.name,
            version: options.service.version,
            description: options.service.description,
            ...(options.service.queue === undefined ? {} : { queue: options.service.queue }),
            ...(options.service.metadata === undefined ? {} : { metadata: options.service.metadata }),
          });
    const part = new PartRuntime(options, service);
    // A service ends itself when one of its subscriptions fails (a permissions violation): it then
    // answers nothing, so that is logged, never silent, and `failed` tells the part's main, which
    // exits for its supervisor to start it again. Its own `stop` resolves with no error.
    void service?.stopped.then((failure) => {
      if (!(failure instanceof Error)) return;
      part.log.error('service stopped', { service: options.service?.name, error: failure.message });
      part.#fail(failure);
    });
    return part;
  }

  /** Settles when the part's service ended itself on an error; never for a part that is stopped. */
  readonly failed: Promise<Error> = new Promise((resolve) => (this.#fail = resolve));
  #fail!: (failure: Error) => void;

  /** The service's id in `$SRV.INFO`, when it is one. */
  get serviceId(): string | undefined {
    return this.#service?.info().id;
  }

  /** Requests being answered now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Answers requests on `subject` at `answered`, through `answerRequest`. */
  serve<S extends v.GenericSchema>(subject: string, answered: Endpoint<S>, options: ServeOptions = {}): void {
    const answer = (msg: Msg) => this.#track(answerRequest(this.#answering, answered, msg, options.fields?.(msg) ?? {}));
    if (this.#service === undefined) {
      this.listen(subject, answer);
      return;
    }
    this.#service.addEndpoint(options.serviceName ?? answered.name, {
      subject,
      handler: (error: Error | null, msg: ServiceMsg) => {
        if (error !== null) this.log.error('endpoint stopped', { endpoint: answered.name, subject, error: error.message });
        else answer(msg);
      },
    });
  }

  /**
   * Takes messages on `subject` (events; a request goes through `serve`). A handler that throws,
   * or a subscription the server ends (a permissions violation), is logged, never silent.
   */
  listen(subject: string, handle: (msg: Msg) => void | Promise<void>): void {
    const subscription = this.nc.subscribe(subject, {
      ...(this.#queue === undefined ? {} : { queue: this.#queue }),
      callback: (error, msg) => {
        if (error !== null) {
          this.log.error('subscription failed', { subject, error: error.message });
          return;
        }
        try {
          const handled = handle(msg);
          if (handled instanceof Promise) this.#track(handled.catch((failure: unknown) => this.log.error('handler failed', { subject, error: failure })));
        } catch (failure) {
          this.log.error('handler failed', { subject, error: failure });
        }
      },
    });
    this.#subscriptions.push(subscription);
  }

  /** Refuses `msg` with the contract's error form (when it asked for a reply to an inbox). */
  refuse(msg: Msg, failure: ContractError | StaffError): void {
    if (!msg.reply || !replyAllowed(msg)) return;
    if (failure instanceof StaffError) respondWithStaffError(msg, failure);
    else respondWithError(msg, failure);
  }

  /** Calls `listener` after each reconnect to the server. */
  onReconnect(listener: () => void): void {
    this.#reconnectListeners.push(listener);
    if (this.#watchingStatus) return;
    this.#watchingStatus = true;
    void (async () => {
      for await (const status of this.nc.status()) {
        if (this.#stopping !== undefined) return;
        if (status.type === 'reconnect') for (const notify of this.#reconnectListeners) notify();
      }
    })().catch(() => undefined);
  }

  /** Resolves once the server has every subscription: a request sent after it finds this part. */
  async ready(): Promise<void> {
    await this.nc.flush();
  }

  /** Takes no more messages, then waits for every request already taken to be answered. Once. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const subscription of this.#subscriptions) subscription.unsubscribe();
      await this.#service?.stop().catch(() => undefined);
      await Promise.allSettled([...this.#inFlight]);
    })();
    return this.#stopping;
  }

  #track(work: Promise<void>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }
}
