// One JSON line per log record, for an operator reading logs at 3 a.m. and for tests that read
// every line back looking for canary secrets. Known secret field names are dropped here as a last
// line of defence; callers must still never pass a secret.

const SECRET_KEYS = new Set([
  'pin',
  'newPin',
  'pinConfirm',
  'userCode',
  'userCodeConfirm',
  'newUserCode',
  'responsibleId',
  'birthDate',
  'soCredential',
  'soPin',
  'secrets',
]);

export type LogFields = Record<string, unknown>;
export type LogSink = (line: string) => void;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(part: string): Logger;
}

// Past this depth a value is replaced, not walked: a log line is for reading, and a cycle or a
// deep structure must not stall the part that logs it.
const MAX_DEPTH = 6;

/** The value with every field named like a secret dropped, at any depth, in objects and arrays. */
function scrubbed(value: unknown, depth: number): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep to log]';
  if (Array.isArray(value)) return value.map((item) => scrubbed(item, depth + 1));
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  const out: LogFields = {};
  for (const [key, field] of Object.entries(value)) {
    if (!SECRET_KEYS.has(key)) out[key] = scrubbed(field, depth + 1);
  }
  return out;
}

/** `at` of a line: the ISO time is made once per millisecond (it was most of a line's cost; many lines share a millisecond under load). */
let stampedAt = Number.NaN;
let stamp = '';

function now(): string {
  const ms = Date.now();
  if (ms !== stampedAt) {
    stampedAt = ms;
    stamp = new Date(ms).toISOString();
  }
  return stamp;
}

/**
 * The line as JSON: `{at, level, part, msg, ...fields}` with the secret fields dropped, built as
 * one object (the fields copied into it in their order, as a spread of their scrubbed copy would).
 */
function lineOf(level: string, part: string, msg: string, fields: LogFields): string {
  const line: LogFields = { at: now(), level, part, msg };
  for (const key of Object.keys(fields)) {
    if (!SECRET_KEYS.has(key)) line[key] = scrubbed(fields[key], 1);
  }
  return JSON.stringify(line);
}

export function createLogger(part: string, sink: LogSink = (line) => process.stdout.write(`${line}\n`)): Logger {
  const write = (level: string, msg: string, fields: LogFields = {}) => sink(lineOf(level, part, msg, fields));
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (sub) => createLogger(`${part}.${sub}`, sink),
  };
}
