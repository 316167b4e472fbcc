// Requests to the registry under test as a kiosk's engine makes them (`requestJson`: the reply
// checked against the contract's schema, no answer → 3125), and the refusals the tests expect.
import type { NatsConnection } from '@nats-io/nats-core';
import * as v from 'valibot';
import { ContractError, registrySubjectFor, type RegistryEndpoint } from '../../machines/contract/index.ts';
import { requestJson } from '../../platform/nats-json.ts';

/** The contract error `request` fails with; a success, or any other failure, fails the test. */
export async function refusalOf(request: Promise<unknown>): Promise<ContractError> {
  const error = await request.then(
    () => new Error('the request succeeded where it should have failed'),
    (failure: unknown) => failure,
  );
  if (error instanceof ContractError) return error;
  throw error;
}

/**
 * `ask` (a request that must succeed) and `refusal` (one that must fail) on the connection
 * `connection()` returns when asked, so a file can set them up before its `beforeAll` connects.
 * `kioskId` sends on the endpoint's per-kiosk subject, as a kiosk's leaf link does.
 */
export function registryRequests(connection: () => NatsConnection, options: { timeout?: number } = {}) {
  const ask = <S extends v.GenericSchema>(endpoint: RegistryEndpoint, body: unknown, schema: S, kioskId?: string): Promise<v.InferOutput<S>> =>
    requestJson(connection(), registrySubjectFor(endpoint, kioskId), body, schema, { unreachable: '3125', timeout: options.timeout });
  const refusal = (endpoint: RegistryEndpoint, body: unknown, kioskId?: string): Promise<ContractError> =>
    refusalOf(ask(endpoint, body, v.unknown(), kioskId));
  return { ask, refusal };
}
