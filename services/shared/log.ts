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

function scrub(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_KEYS.has(key)) continue;
    out[key] = value instanceof Error ? { name: value.name, message: value.message } : value;
  }
  return out;
}

export function createLogger(part: string, sink: LogSink = (line) => process.stdout.write(`${line}\n`)): Logger {
  const write = (level: string, msg: string, fields: LogFields = {}) =>
    sink(JSON.stringify({ at: new Date().toISOString(), level, part, msg, ...scrub(fields) }));
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (sub) => createLogger(`${part}.${sub}`, sink),
  };
}
