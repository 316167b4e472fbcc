// Hostile messages for the stack fuzz run, generated with fast-check from the contract itself: the
// subjects come from machines/contract/subjects.ts and the message shapes from its schemas, so a
// subject or message added to the contract is fuzzed without touching this file.
import fc from 'fast-check';
import * as contract from '../../machines/contract/index.ts';
import { KIOSK_DISCOVER_SUBJECT, kioskSubjects, REGISTRY_SUBJECTS, registrySubjectFor, type RegistryEndpoint } from '../../machines/contract/index.ts';
import { arbitraryFor, schemasOf } from '../property/schema-arbitrary.ts';

const SCHEMAS = schemasOf(contract as Record<string, unknown>);
const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));

/**
 * Every subject a product process listens on, for one kiosk: the kiosk's subjects, the discovery
 * subject, every registry subject plain and per kiosk, and a per-kiosk form whose last token is not a
 * kiosk id. Left out: the view and inspection streams, which the engine only publishes and no product
 * process reads (the browser pages that read them are fuzzed by their own component tests).
 */
export function fuzzSubjects(kioskId: string): string[] {
  const kiosk = kioskSubjects(kioskId);
  const engineOutputs = new Set<string>([kiosk.view, kiosk.inspect]);
  const registry = (Object.keys(REGISTRY_SUBJECTS) as RegistryEndpoint[]).flatMap((endpoint) => [
    registrySubjectFor(endpoint),
    registrySubjectFor(endpoint, kioskId),
    `${REGISTRY_SUBJECTS[endpoint]}.NOT_A_KIOSK`,
  ]);
  return [...Object.values(kiosk).filter((subject) => !engineOutputs.has(subject)), KIOSK_DISCOVER_SUBJECT, ...registry];
}

/** A valid message of some contract schema with one of its fields given a value of the wrong type. */
const wrongTyped = fc
  .constantFrom(...SCHEMAS.map(([, schema]) => schema))
  .chain((schema) => arbitraryFor(schema))
  .chain((message) => {
    if (typeof message !== 'object' || message === null || Array.isArray(message) || Object.keys(message).length === 0) return fc.constant(message);
    const keys = Object.keys(message);
    return fc.tuple(fc.constantFrom(...keys), fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string()), fc.object(), fc.boolean())).map(
      ([key, wrong]) => ({ ...(message as Record<string, unknown>), [key]: wrong }),
    );
  });

/** An event type nobody defined, on an otherwise plausible event. */
const unknownEvent = fc
  .tuple(fc.constantFrom('user', 'staff', 'card', 'reader', 'xstate', ''), fc.string({ maxLength: 20 }))
  .map(([prefix, name]) => ({ type: `${prefix}.${name}`, path: 'self-applied', userCode: 'Fz$00000' }));

/** A valid event of the kiosk's inputs, sent whenever the fuzzer likes: out of order, almost always. */
const outOfOrderEvent = fc.oneof(arbitraryFor(contract.UserEventSchema), arbitraryFor(contract.StaffEventSchema), arbitraryFor(contract.CardEventSchema));

const invalidUtf8 = fc
  .tuple(fc.uint8Array({ maxLength: 64 }), fc.constantFrom([0x80], [0xc0, 0xaf], [0xff, 0xfe], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]))
  .map(([before, bad]) => Uint8Array.from([...before, ...bad, ...before]));

/** Just under the server's 1 MiB max_payload: JSON nesting, a long string, or raw bytes. */
const huge = fc.constantFrom(
  () => encoder.encode(`{"type":"user.submitUserCode","userCode":"${'A'.repeat(1_000_000)}"}`),
  () => encoder.encode(`${'['.repeat(500_000)}${']'.repeat(500_000)}`),
  () => new Uint8Array(1_040_000).fill(0xff),
  () => encoder.encode(`{"a":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`),
).map((make) => make());

export type FuzzKind = 'bytes' | 'invalid-utf8' | 'wrong-type' | 'json' | 'unknown-event' | 'out-of-order' | 'huge' | 'empty';

/** One hostile payload and what kind it is. `huge` is weighted low: it is slow by nature. */
export const hostilePayload: fc.Arbitrary<{ kind: FuzzKind; data: Uint8Array }> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 300 }).map((data) => ({ kind: 'bytes' as const, data })) },
  { weight: 2, arbitrary: invalidUtf8.map((data) => ({ kind: 'invalid-utf8' as const, data })) },
  { weight: 5, arbitrary: wrongTyped.map((value) => ({ kind: 'wrong-type' as const, data: json(value) })) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => ({ kind: 'json' as const, data: json(value) })) },
  { weight: 2, arbitrary: unknownEvent.map((value) => ({ kind: 'unknown-event' as const, data: json(value) })) },
  { weight: 3, arbitrary: outOfOrderEvent.map((value) => ({ kind: 'out-of-order' as const, data: json(value) })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const, data: new Uint8Array() }) },
);

export const hugePayload: fc.Arbitrary<{ kind: FuzzKind; data: Uint8Array }> = huge.map((data) => ({ kind: 'huge' as const, data }));
