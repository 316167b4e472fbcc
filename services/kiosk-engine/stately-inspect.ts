// The ecosystem's inspection protocol, opt-in: with STATELY_INSPECT_URL set (e.g.
// ws://127.0.0.1:8081, a websocket server such as @statelyai/inspect's createInspectorServer),
// the engine also feeds the session actor's inspection events to @statelyai/inspect's websocket
// inspector, so Stately's tools can follow a kiosk. Off by default. Every event goes through
// `serialize` with the same redaction as our own inspection stream: payloads lose their secret
// fields, and no context leaves (it holds the secrets while a request runs).
import { createWebSocketInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import { redact, redactEvent } from '../../machines/session/redact.ts';

export const STATELY_INSPECT_ENV = 'STATELY_INSPECT_URL';

/** One Stately inspection event with nothing secret left in it. */
export function redactStatelyEvent(event: StatelyInspectionEvent): StatelyInspectionEvent {
  switch (event.type) {
    case '@xstate.event':
      return { ...event, event: redactEvent(event.event) };
    case '@xstate.snapshot':
      return {
        ...event,
        event: redactEvent(event.event),
        snapshot: { status: event.snapshot.status, value: redact((event.snapshot as { value?: unknown }).value) } as unknown as typeof event.snapshot,
      };
    case '@xstate.actor':
      return { ...event, snapshot: { status: event.snapshot.status, value: redact(event.snapshot.value) } };
    default:
      return event;
  }
}

export type StatelyInspector = ReturnType<typeof createWebSocketInspector>;

/** The inspector when STATELY_INSPECT_URL is set, else undefined. */
export function statelyInspectorFromEnv(env: NodeJS.ProcessEnv = process.env): StatelyInspector | undefined {
  const url = env[STATELY_INSPECT_ENV];
  if (url === undefined || url === '') return undefined;
  if (!/^wss?:\/\//.test(url)) throw new Error(`${STATELY_INSPECT_ENV} must be a ws:// or wss:// URL`);
  return createWebSocketInspector({ url, serialize: redactStatelyEvent });
}
