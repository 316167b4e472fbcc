// The wire form of a reply (docs/contract.md, "Subjects": Errors), the part both sides share: a
// failed request carries the service-error headers (`Nats-Service-Error-Code`, a numeric class;
// `Nats-Service-Error`, the contract code) and a JSON body `{error: {code, message, retryable,
// attemptsLeft?}}`. Pure: the services (platform/nats-json.ts) and the browser consoles
// both read replies with it.
import type * as v from 'valibot';
import { ContractError, ERRORS, type ErrorCode, type WireError } from './errors.ts';
import { decode, WireErrorBodySchema } from './messages.ts';

/** What readReply needs of a NATS message (a `Msg` of @nats-io/nats-core fits). */
export interface ReplyMessage {
  readonly data: Uint8Array;
  readonly headers?: { get(key: string): string };
  string(): string;
}

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
    case 'NOT_BUSINESS_CARD':
      return 422;
    case '3125':
      return 503;
  }
}

/** Reads a reply: a contract error (headers or body) becomes a thrown ContractError. */
export function readReply<S extends v.GenericSchema>(msg: ReplyMessage, schema: S, what: string): v.InferOutput<S> {
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
    const code: ErrorCode = text !== null && Object.hasOwn(ERRORS, text) ? (text as ErrorCode) : 'BAD_REQUEST';
    throw new ContractError(code, `${what}: ${text || 'service error'}`);
  }
  const ok = decode(schema, parsed);
  if (!ok.ok) throw new ContractError('BAD_REQUEST', `${what}: unexpected reply (${ok.problems.join('; ')})`);
  return ok.value;
}

