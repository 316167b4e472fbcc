// A fast-check arbitrary for any valibot schema of the contract, read from the schema itself, so
// that a message added to machines/contract gets valid samples without anyone writing them. It
// knows the schema kinds and pipe actions the contract uses; an unknown one fails loudly (a new kind
// in the contract must be taught here, not silently skipped).
import fc from 'fast-check';

/** The parts of a valibot schema object this walker reads (valibot's own types are too deep to name). */
interface SchemaNode {
  readonly kind: string;
  readonly type: string;
  readonly pipe?: readonly SchemaNode[];
  readonly entries?: Readonly<Record<string, SchemaNode>>;
  readonly options?: readonly (SchemaNode | string)[];
  readonly key?: string;
  readonly literal?: unknown;
  readonly item?: SchemaNode;
  readonly wrapped?: SchemaNode;
  readonly default?: unknown;
  readonly requirement?: unknown;
}

// Dates inside what JSON and `toISOString` both keep exact, and that valibot's iso checks accept.
const isoTimestamp = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .map((date) => date.toISOString());
const isoDate = isoTimestamp.map((text) => text.slice(0, 10));

/** The range a pipe's bound actions leave: each `min_<what>` raises `min`, each `max_<what>` lowers `max`. */
interface Bounds {
  min: number;
  max: number;
}

/** Narrows `bounds` when `action` is a bound on `what` (`length` or `value`); false for any other action. */
function narrowedBy(bounds: Bounds, action: SchemaNode, what: 'length' | 'value'): boolean {
  if (action.type === `min_${what}`) bounds.min = Math.max(bounds.min, action.requirement as number);
  else if (action.type === `max_${what}`) bounds.max = Math.min(bounds.max, action.requirement as number);
  else return false;
  return true;
}

function stringArbitrary(actions: readonly SchemaNode[]): fc.Arbitrary<string> {
  const bounds: Bounds = { min: 0, max: 300 };
  let base: fc.Arbitrary<string> | undefined;
  // A `trim` transform: only an already-trimmed value decodes to itself (round-trips byte for byte).
  let trimmed = false;
  for (const action of actions) {
    if (narrowedBy(bounds, action, 'length')) continue;
    switch (action.type) {
      case 'regex':
        base = fc.stringMatching(action.requirement as RegExp);
        break;
      case 'iso_timestamp':
        base = isoTimestamp;
        break;
      case 'iso_date':
        base = isoDate;
        break;
      case 'trim':
        trimmed = true;
        break;
      default:
        throw new Error(`schema-arbitrary: unknown string action ${action.type}`);
    }
  }
  const { min, max } = bounds;
  const regex = actions.find((action) => action.type === 'regex')?.requirement as RegExp | undefined;
  const bounded = min > 0 || max < 300;
  if (regex !== undefined && bounded) {
    // A character class repeated, with the length given by min/max actions (the base64url fields):
    // stringMatching's lengths would rarely reach a minimum of 43 or 86, and the filter below
    // would then draw forever. Drawn from the class with the bounds instead.
    const characters = repeatedClassOf(regex);
    if (characters !== undefined) return fc.string({ unit: fc.constantFrom(...characters), minLength: min, maxLength: max });
    // A negated class (`^[^\p{Cc}]*$`: no control characters) lets almost every code point through.
    if (!/^\^\[\^/.test(regex.source)) throw new Error(`schema-arbitrary: a regex with length bounds must be one repeated class: ${regex}`);
    return fc
      .string({ unit: 'binary', minLength: min, maxLength: max })
      .filter((text) => regex.test(text) && (!trimmed || text === text.trim()));
  }
  // Any code point, astral ones included: a person may type anything the keyboard or an IME gives.
  const chosen = base ?? fc.string({ unit: 'binary', minLength: min, maxLength: max });
  return chosen.filter((text) => text.length >= min && text.length <= max && (!trimmed || text === text.trim()));
}

function numberArbitrary(actions: readonly SchemaNode[]): fc.Arbitrary<number> {
  let integer = false;
  const bounds: Bounds = { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
  for (const action of actions) {
    if (narrowedBy(bounds, action, 'value')) continue;
    if (action.type !== 'integer') throw new Error(`schema-arbitrary: unknown number action ${action.type}`);
    integer = true;
  }
  const { min, max } = bounds;
  if (integer) return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** The characters of `^[class]+$` or `^[class]*$` (ranges and single characters), or undefined for any other regex. */
function repeatedClassOf(regex: RegExp): string[] | undefined {
  const match = /^\^\[((?:[^\]\\]|\\.)+)\][+*]\$$/.exec(regex.source);
  if (match === null || regex.flags !== '') return undefined;
  const body = (match[1] as string).replace(/\\(.)/g, '$1');
  const characters: string[] = [];
  for (let index = 0; index < body.length; index++) {
    const from = body[index] as string;
    if (body[index + 1] === '-' && index + 2 < body.length) {
      const to = body[index + 2] as string;
      for (let code = from.charCodeAt(0); code <= to.charCodeAt(0); code++) characters.push(String.fromCharCode(code));
      index += 2;
    } else {
      characters.push(from);
    }
  }
  return characters;
}

function mergeObjects(parts: readonly unknown[]): Record<string, unknown> {
  return Object.assign({}, ...parts) as Record<string, unknown>;
}

/** Valid values of `schema` (as its input: a value that decodes). */
export function arbitraryFor(schema: unknown): fc.Arbitrary<unknown> {
  const node = schema as SchemaNode;
  const [head, ...actions] = node.pipe ?? [node];
  const base = head ?? node;
  switch (base.type) {
    case 'string':
      return stringArbitrary(actions);
    case 'number':
      return numberArbitrary(actions);
    case 'boolean':
      return fc.boolean();
    case 'unknown':
      return fc.jsonValue({ maxDepth: 3 });
    case 'literal':
      return fc.constant(base.literal);
    case 'picklist':
      return fc.constantFrom(...(base.options as readonly string[]));
    case 'loose_object': {
      // Its own keys as an object's, and any other keys with JSON values, kept as they are.
      const known = new Set(Object.keys(base.entries ?? {}));
      const extraKey = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,11}$/).filter((key) => !known.has(key));
      const extras = fc.dictionary(extraKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
      return fc.tuple(extras, arbitraryFor({ ...base, type: 'object' })).map(mergeObjects);
    }
    case 'object': {
      const entries = Object.entries(base.entries ?? {});
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      const optionalKeys: string[] = [];
      for (const [key, entry] of entries) {
        // An optional with a default is always given: decoding would otherwise add it.
        if (entry.type === 'optional' && entry.default === undefined) {
          optionalKeys.push(key);
          record[key] = arbitraryFor(entry.wrapped);
        } else {
          record[key] = arbitraryFor(entry.type === 'optional' ? entry.wrapped : entry);
        }
      }
      const required = entries.map(([key]) => key).filter((key) => !optionalKeys.includes(key));
      return fc.record(record, { requiredKeys: required }) as fc.Arbitrary<unknown>;
    }
    case 'variant':
    case 'union':
      return fc.oneof(...(base.options as SchemaNode[]).map((option) => arbitraryFor(option)));
    case 'intersect':
      return fc.tuple(...(base.options as SchemaNode[]).map((option) => arbitraryFor(option))).map(mergeObjects);
    case 'array': {
      const maxAction = actions.find((action) => action.type === 'max_length');
      return fc.array(arbitraryFor(base.item), { maxLength: Math.min(5, (maxAction?.requirement as number | undefined) ?? 5) });
    }
    case 'optional':
      return fc.option(arbitraryFor(base.wrapped), { nil: undefined });
    default:
      throw new Error(`schema-arbitrary: unknown schema type ${base.type}`);
  }
}

/** Every valibot schema a module exports, by export name. */
export function schemasOf(module: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(module).filter(
    ([name, value]) => name.endsWith('Schema') && typeof value === 'object' && value !== null && (value as SchemaNode).kind === 'schema',
  );
}
