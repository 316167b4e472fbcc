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
import { ContractError, type ErrorCode } from '../machines/contract/index.ts';
import { encodeJson, readReply, statusOf } from '../machines/contract/wire.ts';

export { encodeJson, readReply, statusOf };

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
