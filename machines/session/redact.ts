// What may leave the engine of an event, an actor's output or error: everything but the secrets.
// One function for the inspection stream on NATS, the @statelyai/inspect websocket (its
// `serialize` hook) and the recorded traces under tests/traces/. A secret field keeps its name
// and loses its value: replaying a trace picks a sample input of the same kind (see
// tests/traces/replay.ts), so nothing typed at a kiosk is ever stored.

/** Field names whose values are secret wherever they appear (user input, actor inputs, outputs). */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'pin',
  'pinConfirm',
  'newPin',
  'userCode',
  'userCodeConfirm',
  'newUserCode',
  'responsibleId',
  'birthDate',
  'email',
  'contactEmail',
  // a bearer token for the card until it expires
  'activationId',
  'sealed',
  'soCredential',
  'secrets',
]);

export const SECRET_PLACEHOLDER = '‹secret›';

const MAX_DEPTH = 6;

/** A JSON-safe copy with every secret field replaced by the placeholder. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (depth >= MAX_DEPTH) return '‹deep›';
  if (value instanceof Error) {
    // Contract errors: their code and attempts left decide the next state; the message is fixed text.
    const { code, attemptsLeft } = value as { code?: unknown; attemptsLeft?: unknown };
    return {
      name: value.name,
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof attemptsLeft === 'number' ? { attemptsLeft } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (SECRET_FIELDS.has(key)) copy[key] = SECRET_PLACEHOLDER;
    else {
      const redacted = redact(inner, depth + 1);
      if (redacted !== undefined) copy[key] = redacted;
    }
  }
  return copy;
}

/** An event as it may be shown and recorded: its type and its non-secret payload. */
export function redactEvent(event: { type: string }): { type: string } & Record<string, unknown> {
  return { ...(redact(event) as Record<string, unknown>), type: event.type };
}
