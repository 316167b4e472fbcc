// Property-based tests of every message schema in machines/contract, found by walking the module's
// exports (a schema added later is tested without touching this file):
//   - every valid message, encoded for the wire and decoded again, comes back byte for byte;
//   - decoding anything at all (any JSON value, any bytes, invalid UTF-8) never throws, and its
//     problems never echo a value that was sent (a rejected message may carry a secret);
//   - reading any reply (`readReply`, the one door every client uses) fails only with a
//     ContractError, whatever the bytes and headers.
import fc from 'fast-check';
import { headers as natsHeaders, type Msg } from '@nats-io/nats-core';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import * as contract from '../../machines/contract/index.ts';
import { ContractError, decode, decodeJson } from '../../machines/contract/index.ts';
import { encodeJson, readReply } from '../../platform/nats-json.ts';
import { arbitraryFor, schemasOf } from './schema-arbitrary.ts';

const RUNS = Number(process.env.PROPERTY_RUNS || 300);
const settings = { numRuns: RUNS };
const SCHEMAS = schemasOf(contract as Record<string, unknown>);

/** A byte array that is not valid UTF-8 somewhere (a lone continuation byte, an overlong form, 0xFF). */
const invalidUtf8 = fc
  .tuple(fc.uint8Array({ maxLength: 40 }), fc.constantFrom([0x80], [0xc0, 0xaf], [0xff], [0xed, 0xa0, 0x80]), fc.uint8Array({ maxLength: 40 }))
  .map(([before, bad, after]) => Uint8Array.from([...before, ...bad, ...after]));

describe('the contract schemas', () => {
  it('are all found (the walker sees the whole contract)', () => {
    const names = SCHEMAS.map(([name]) => name);
    for (const expected of ['UserEventSchema', 'VerifyRequestSchema', 'ViewSchema', 'AdminImportRequestSchema', 'WireErrorBodySchema']) {
      expect(names).toContain(expected);
    }
  });

  describe.each(SCHEMAS)('%s', (_name, schema) => {
    const generic = schema as v.GenericSchema;

    it('round-trips every valid message: decode(encode(x)) is x, byte for byte', () => {
      fc.assert(
        fc.property(arbitraryFor(schema), (message) => {
          const first = decode(generic, message);
          expect(first.ok, JSON.stringify(first)).toBe(true);
          if (!first.ok) return;
          const bytes = encodeJson(first.value);
          const again = decodeJson(generic, bytes);
          expect(again.ok).toBe(true);
          if (again.ok) expect(Buffer.from(encodeJson(again.value)).equals(Buffer.from(bytes))).toBe(true);
        }),
        settings,
      );
    });

    it('never throws on any value, and its problems never echo what was sent', () => {
      const marked = fc.string({ minLength: 1, maxLength: 12 }).map((tail) => `SECRET${tail}`);
      fc.assert(
        fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }), marked, (value, secret) => {
          const result = decode(generic, value);
          expect(typeof result.ok).toBe('boolean');
          // The same keys as a valid message, each value replaced by a marked string.
          const shaped = Object.fromEntries(Object.keys(objectEntriesOf(schema)).map((key) => [key, secret]));
          const refused = decode(generic, { ...shaped, type: secret, route: secret });
          if (!refused.ok) expect(refused.problems.join('\n')).not.toContain('SECRET');
        }),
        settings,
      );
    });

    it('never throws on any bytes, invalid UTF-8 and broken JSON included', () => {
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), invalidUtf8, fc.string().map((text) => new TextEncoder().encode(text))), (bytes) => {
          const result = decodeJson(generic, bytes);
          expect(typeof result.ok).toBe('boolean');
        }),
        settings,
      );
    });
  });
});

/** The entries of an object schema, or of the first option of a variant; {} otherwise. */
function objectEntriesOf(schema: unknown): Record<string, unknown> {
  const node = schema as { type: string; entries?: Record<string, unknown>; options?: unknown[] };
  if (node.type === 'object') return node.entries ?? {};
  if ((node.type === 'variant' || node.type === 'intersect') && node.options?.[0] !== undefined) return objectEntriesOf(node.options[0]);
  return {};
}

describe('readReply, the one way every client reads a reply', () => {
  const replyBytes = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    invalidUtf8,
    fc.jsonValue().map((value) => encodeJson(value)),
    fc.record({ error: fc.record({ code: fc.oneof(fc.string(), fc.constantFrom(...contract.ERROR_CODES)), message: fc.string(), retryable: fc.anything() }) }).map((value) => encodeJson(value)),
  );
  const headerPairs = fc.option(fc.tuple(fc.string({ maxLength: 5 }), fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom(...contract.ERROR_CODES))), { nil: undefined });

  it('never takes a name of Object.prototype for an error code (a property run found `valueOf`)', () => {
    for (const name of ['valueOf', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const headers = natsHeaders();
      headers.set('Nats-Service-Error-Code', '500');
      headers.set('Nats-Service-Error', name);
      const data = new Uint8Array();
      const msg = { data, headers, string: () => '' } as unknown as Msg;
      expect(() => readReply(msg, contract.OkReplySchema, 'prototype')).toThrow(ContractError);
      try {
        readReply(msg, contract.OkReplySchema, 'prototype');
      } catch (error) {
        expect((error as ContractError).code, name).toBe('BAD_REQUEST');
      }
    }
  });

  it('fails with a ContractError and nothing else, whatever arrives', () => {
    fc.assert(
      fc.property(replyBytes, headerPairs, fc.constantFrom(...SCHEMAS.map(([, schema]) => schema as v.GenericSchema)), (data, header, schema) => {
        let headers: ReturnType<typeof natsHeaders> | undefined;
        if (header !== undefined) {
          headers = natsHeaders();
          headers.set('Nats-Service-Error-Code', header[0] || '500');
          headers.set('Nats-Service-Error', header[1].replace(/[\r\n:]/g, '') || 'x');
        }
        // A stand-in for a received NATS message: the fields readReply reads, nothing else.
        const msg = { data, headers, string: () => new TextDecoder().decode(data) } as unknown as Msg;
        try {
          readReply(msg, schema, 'fuzz');
        } catch (error) {
          expect(error).toBeInstanceOf(ContractError);
          expect(contract.isErrorCode((error as ContractError).code)).toBe(true);
        }
      }),
      settings,
    );
  });
});
