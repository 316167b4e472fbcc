// What the engine streams to the visual inspector from XState's inspection API: enough to draw the
// session live, nothing secret (docs/inspector.md).
import type { InspectionEvent as XStateInspectionEvent } from 'xstate';
import type { InspectionEvent } from '../../machines/contract/index.ts';
import { redactEvent } from '../../machines/session/redact.ts';

/**
 * XState's inspection events, redacted: an event keeps its type and its non-secret payload
 * (`redactEvent`: user codes, PINs, IDs, activation ids become a placeholder), a snapshot becomes
 * its state value, an actor its id. Contexts never leave.
 */
export function inspectionOf(event: XStateInspectionEvent): Omit<InspectionEvent, 'seq' | 'at'>[] {
  const ref = event.actorRef as { id?: string; sessionId: string };
  const actorId = ref.id ?? ref.sessionId;
  const isSession = ref.sessionId === event.rootId;
  switch (event.type) {
    case '@xstate.event':
      return [{ kind: 'event', event: redactEvent(event.event), actor: actorId }];
    case '@xstate.snapshot': {
      // Only the session's own state: a child's snapshot holds its input (which may be a secret).
      if (!isSession) return [];
      const value = (event.snapshot as { value?: unknown }).value;
      return [{ kind: 'snapshot', state: value, actor: actorId }];
    }
    case '@xstate.actor':
      return [{ kind: 'actor', actor: actorId }];
    default:
      return [];
  }
}

/**
 * The session actor's `inspect` callback: each event redacted, numbered and handed to `publish`
 * (the kiosk's inspect subject), and, when Stately's inspector is on, to it too.
 */
export function sessionInspector(
  publish: (event: InspectionEvent) => void,
  stately?: { inspect: { next?: (event: XStateInspectionEvent) => void } },
): (event: XStateInspectionEvent) => void {
  let seq = 0;
  return (event) => {
    for (const redacted of inspectionOf(event)) publish({ seq: ++seq, at: new Date().toISOString(), ...redacted });
    stately?.inspect.next?.(event);
  };
}
