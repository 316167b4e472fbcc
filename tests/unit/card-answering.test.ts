// How the card agent answers a failed request (card/answering.ts): the raw cause of a card or
// reader failure goes to the log fields, never into the contract error that goes on the wire.
import { describe, expect, it } from 'vitest';
import { cardAgentAnswering } from '../../card/answering.ts';
import { pkcs11Error, situationError } from '../../card/errors.ts';
import { ContractError } from '../../machines/contract/index.ts';

describe('card agent answering', () => {
  it('logs the code and the raw PKCS#11 cause of a failure', () => {
    const failure = pkcs11Error(0xa0, 'so-login');
    expect(cardAgentAnswering.failureFields?.(failure)).toEqual({
      code: 'CARD_UNREADABLE',
      cause: { source: 'pkcs11', name: 'CKR_PIN_INCORRECT', value: 0xa0, step: 'so-login' },
    });
    expect(failure.message).not.toContain('CKR_PIN_INCORRECT');
  });

  it('logs the code alone when there is no raw cause', () => {
    expect(cardAgentAnswering.failureFields?.(situationError('no-card'))).toEqual({ code: 'CARD_NOT_DETECTED' });
  });

  it('refuses a bad body with BAD_REQUEST naming the problems, and answers a fault with CARD_UNREADABLE', () => {
    const refused = cardAgentAnswering.badRequest('set-pin', ['newPin: missing']);
    expect(refused).toBeInstanceOf(ContractError);
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', message: 'invalid request: newPin: missing' });
    expect(cardAgentAnswering.unexpected(new Error('boom')).code).toBe('CARD_UNREADABLE');
    expect(cardAgentAnswering.logEveryRequest).toBe(false);
  });
});
