// JSON request/reply over NATS with the contract's error form, used by every client of a service
// (engine → card agent, engine → registry, card agent → registry) and every service that answers.
//
// A failed request is answered with the service-error headers (`Nats-Service-Error-Code`,
// `Nats-Service-Error`) and a JSON body `{error: {code, message, retryable, attemptsLeft?}}`.
// The header code is numeric (the NATS micro protocol wants a number); the contract code is in
// the body and in `Nats-Service-Error`.
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { headers as natsHeaders } from '@nats-io/nats-core';
import type * as v from 'valibot';
import {
  ContractError,
  decode,
  ERRORS,
  WireErrorBodySchema,
  type ErrorCode,
  type WireError,
} from '../../machines/contract/index.ts';

const encoder = new TextEncoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** A numeric status for the header, in the spirit of HTTP, so generic NATS tooling can tell classes apart. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'BAD_REQUEST':
    case 'PIN_FORMAT':
    case 'PIN_MISMATCH':
    case 'USER_CODE_FORMAT':
    case 'USER_CODE_MISMATCH':
    case 'EMAIL_FORMAT':
    case 'ID_FORMAT':
    case 'BIRTH_DATE_FORMAT':
    case 'BIRTH_DATE_REQUIRED':
      return 400;
    case '3005':
    case 'WRONG_PATH':
      return 401;
    case 'LOCKED':
    case '27011':
    case '4931':
    case 'SUSPENDED':
    case 'CERT_EXPIRED':
    case 'CARD_MISMATCH':
      return 403;
    case 'UNKNOWN_CARD':
      return 404;
    case 'ALREADY_ACTIVATED':
    case 'CARD_SWAPPED':
    case 'DATA_DISPUTED':
      return 409;
    case 'SESSION_EXPIRED':
      return 410;
    case 'READER_NOT_FOUND':
    case 'CARD_NOT_DETECTED':
    case 'CARD_UNREADABLE':
      return 422;
    case '3125':
      return 503;
  }
}

/** Headers and body for a failed request, as the contract gives them. */
export function errorReply(error: ContractError): { headers: ReturnType<typeof natsHeaders>; body: Uint8Array } {
  const wire = error.toWire();
  const headers = natsHeaders();
  headers.set('Nats-Service-Error-Code', String(statusOf(wire.code)));
  headers.set('Nats-Service-Error', wire.code);
  return { headers, body: encodeJson({ error: wire }) };
}

/** Answers `msg` with the contract's error form. Works for plain and service messages. */
export function respondWithError(msg: Msg, error: ContractError): void {
  const { headers, body } = errorReply(error);
  msg.respond(body, { headers });
}

/** Reads a reply: a contract error (headers or body) becomes a thrown ContractError. */
export function readReply<S extends v.GenericSchema>(msg: Msg, schema: S, what: string): v.InferOutput<S> {
  let parsed: unknown;
  try {
    parsed = msg.data.length === 0 ? undefined : JSON.parse(msg.string());
  } catch {
    throw new ContractError('BAD_REQUEST', `${what}: reply is not JSON`);
  }
  const failed = decode(WireErrorBodySchema, parsed);
  if (failed.ok) {
    const wire: WireError = failed.value.error;
    throw new ContractError(wire.code, wire.message, wire.attemptsLeft === undefined ? {} : { attemptsLeft: wire.attemptsLeft });
  }
  if (msg.headers?.get('Nats-Service-Error-Code')) {
    const text = msg.headers.get('Nats-Service-Error');
    // Own keys only: `in` also finds the prototype's (a header `valueOf` is no contract code).
    const code: ErrorCode = Object.hasOwn(ERRORS, text) ? (text as ErrorCode) : 'BAD_REQUEST';
    throw new ContractError(code, `${what}: ${text || 'service error'}`);
  }
  const ok = decode(schema, parsed);
  if (!ok.ok) throw new ContractError('BAD_REQUEST', `${what}: unexpected reply (${ok.problems.join('; ')})`);
  return ok.value;
}

export interface RequestOptions {
  /** How long to wait for a reply, in ms. */
  timeout?: number;
  /**
   * The code to throw when nobody answers in time or the connection fails. For the registry this
   * is 3125 (the manual's "the CA did not receive it"); for the card agent it is a reader fault.
   */
  unreachable: ErrorCode;
}

/** Sends a JSON request and returns the validated reply, or throws a ContractError. */
export async function requestJson<S extends v.GenericSchema>(
  nc: NatsConnection,
  subject: string,
  body: unknown,
  schema: S,
  options: RequestOptions,
): Promise<v.InferOutput<S>> {
  let msg: Msg;
  try {
    msg = await nc.request(subject, encodeJson(body), { timeout: options.timeout ?? 5_000 });
  } catch (cause) {
    throw new ContractError(options.unreachable, `${subject}: no answer`, { cause });
  }
  return readReply(msg, schema, subject);
}
