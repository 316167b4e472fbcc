// The one way a service answers a request (docs/architecture.md): decode the body with its
// contract schema → run the handler → reply with its result, or with the contract's error form →
// one log line through the shared, scrubbing logger → count the outcome. The engine, the
// registry, the card agent and the staff-auth service all answer through `answerRequest`, so each
// service file reads as the list of its endpoints.
import type { Msg } from '@nats-io/nats-core';
import type * as v from 'valibot';
import { ContractError, decodeJson } from '../machines/contract/index.ts';
import { StaffError } from '../machines/contract/staff.ts';
import { respondWithStaffError } from './staff-errors.ts';
import type { LogFields, Logger } from './log.ts';
import { encodeJson, respondWithError } from './nats-json.ts';

/** What a handler may add to its request's log line (the card it is about, a count). Never a secret. */
export interface RequestNotes {
  note(field: string, value: string | number): void;
}

export interface Endpoint<S extends v.GenericSchema> {
  /** The name in log lines and counters. */
  readonly name: string;
  /** The contract schema of the request body; an empty body reads as `{}`. */
  readonly schema: S;
  readonly handle: (request: v.InferOutput<S>, notes: RequestNotes, msg: Msg) => unknown;
}

/** Builds an endpoint with the request type inferred from its schema. */
export function endpoint<S extends v.GenericSchema>(
  name: string,
  schema: S,
  handle: (request: v.InferOutput<S>, notes: RequestNotes, msg: Msg) => unknown,
): Endpoint<S> {
  return { name, schema, handle };
}

/** Requests answered per endpoint, by outcome (`ok` or the error code). */
export class EndpointCounters {
  readonly #counts = new Map<string, Map<string, number>>();

  count(endpointName: string, outcome: string): void {
    const byOutcome = this.#counts.get(endpointName) ?? new Map<string, number>();
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    this.#counts.set(endpointName, byOutcome);
  }

  /** `{endpoint: {outcome: count}}`. */
  snapshot(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.#counts].map(([name, byOutcome]) => [name, Object.fromEntries(byOutcome)]));
  }
}

/** How one service answers: its logger, its counters and the errors its callers expect. */
export interface EndpointRuntime {
  readonly log: Logger;
  readonly counters: EndpointCounters;
  /** One line per request (`request`), or only for the failed ones. */
  readonly logEveryRequest: boolean;
  /**
   * Endpoints that only read and are asked many times a second (the registry's identify): with
   * `logEveryRequest`, their successful requests are counted but not logged (a JSON line each cost
   * more than the answer, docs/benchmarks.md); their failures are logged like every endpoint's.
   */
  readonly quietOnSuccess?: ReadonlySet<string>;
  /** The refusal for a body that fails its schema; problems name fields, never values. */
  readonly badRequest: (endpointName: string, problems: string[]) => ContractError | StaffError;
  /** What an unexpected failure is answered with; its own description goes to the log only. */
  readonly unexpected: (error: unknown) => ContractError | StaffError;
  /** Extra log fields for a failure (the card agent's raw PKCS#11 / PC/SC cause). */
  readonly failureFields?: (failure: ContractError | StaffError) => LogFields;
  /** Refusals counted but not logged one line each (a flood of them is summarised elsewhere). */
  readonly quiet?: (failure: ContractError | StaffError) => boolean;
}

/**
 * Replies go to inboxes only. A request's reply subject is the requester's choice; answered
 * anywhere, a read-only login could make a part publish on `kiosk.<k>.input` or any other subject
 * that part may not publish on itself (`allow_responses`). Such a request is not handled at all.
 */
export const REPLY_PREFIX = '_INBOX.';

export function replyAllowed(msg: Pick<Msg, 'reply'>): boolean {
  return msg.reply === undefined || msg.reply === '' || msg.reply.startsWith(REPLY_PREFIX);
}

/**
 * One request's log line while it is answered. `note` is a method, not a closure made per request:
 * a closure per message (and tsx naming each one) was about 4 % of the registry's busy time
 * (docs/benchmarks.md). A handler calls `notes.note(...)` on it, never a detached `note`.
 */
class RequestLine implements RequestNotes {
  constructor(readonly fields: LogFields) {}

  note(field: string, value: string | number): void {
    this.fields[field] = value;
  }
}

/** Answers `msg` at `endpoint`; never throws. `fields` start its log line (e.g. the kiosk of the subject). */
export async function answerRequest<S extends v.GenericSchema>(
  runtime: EndpointRuntime,
  { name, schema, handle }: Endpoint<S>,
  msg: Msg,
  fields: LogFields = {},
): Promise<void> {
  if (!replyAllowed(msg)) {
    runtime.counters.count(name, 'REPLY_NOT_AN_INBOX');
    return;
  }
  const started = performance.now();
  const line: LogFields = { endpoint: name, ...fields };
  let outcome = 'ok';
  let unexpected = false;
  let quiet = false;
  try {
    const decoded = decodeJson(schema, msg.data.length === 0 ? '{}' : msg.data);
    if (!decoded.ok) throw runtime.badRequest(name, decoded.problems);
    msg.respond(encodeJson(await handle(decoded.value, new RequestLine(line), msg)));
  } catch (error) {
    const known = error instanceof ContractError || error instanceof StaffError;
    const failure = known ? error : runtime.unexpected(error);
    if (!known) {
      unexpected = true;
      line.error = describeError(error);
    }
    outcome = failure.code;
    quiet = runtime.quiet?.(failure) ?? false;
    Object.assign(line, runtime.failureFields?.(failure));
    if (failure instanceof StaffError) respondWithStaffError(msg, failure);
    else respondWithError(msg, failure);
  } finally {
    runtime.counters.count(name, outcome);
    if (!quiet && (outcome !== 'ok' || (runtime.logEveryRequest && !runtime.quietOnSuccess?.has(name)))) {
      // The line itself is finished here (no copy of it): outcome and ms come last.
      line.outcome = outcome;
      line.ms = Math.round((performance.now() - started) * 100) / 100;
      if (unexpected) runtime.log.error('request failed', line);
      else if (outcome !== 'ok' && !runtime.logEveryRequest) runtime.log.warn('request failed', line);
      else runtime.log.info('request', line);
    }
  }
}

/** An error as one short line for the log: name, code, message; never its stack or data. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${code === undefined ? '' : ` ${String(code)}`}: ${error.message}`.slice(0, 300);
  }
  return 'non-error thrown';
}
