// How the card agent answers a request that fails (platform/endpoint.ts): contract errors only on
// the wire, and the raw cause (PC/SC value, CKR name, the PKCS#11 step) in the agent's log only
// (docs/card-agent.md, "Subjects").
import { ContractError } from '../machines/contract/index.ts';
import type { PartRuntimeOptions } from '../platform/nats-runtime.ts';
import { rawCauseOf, situationError } from './errors.ts';

export const cardAgentAnswering: PartRuntimeOptions['answering'] = {
  // A card is read a few times per activation: a line per failure is enough.
  logEveryRequest: false,
  badRequest: (_name, problems) => new ContractError('BAD_REQUEST', `invalid request: ${problems.join('; ')}`),
  unexpected: () => situationError('internal-error'),
  failureFields: (failure) => {
    const cause = failure instanceof ContractError ? rawCauseOf(failure) : undefined;
    return { code: failure.code, ...(cause === undefined ? {} : { cause }) };
  },
};
