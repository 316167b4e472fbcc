// services/kiosk-engine/inspection.ts: what the engine streams on `kiosk.<k>.inspect` from XState's
// inspection events: numbered from 1 in order, payloads redacted, a child's snapshot (which holds
// its input) never, and the same events handed to Stately's inspector when it is on.
import { describe, expect, it } from 'vitest';
import type { InspectionEvent as XStateInspectionEvent } from 'xstate';
import type { InspectionEvent } from '../../machines/contract/index.ts';
import { sessionInspector } from '../../services/kiosk-engine/inspection.ts';

const SECRET = 'Ab3$Canary9';
const session = { id: 'kioskSession', sessionId: 'x:0' };
const child = { id: 'verifyIdentity', sessionId: 'x:1' };
const inspected = (event: Record<string, unknown>) => ({ rootId: 'x:0', ...event }) as unknown as XStateInspectionEvent;

describe('the inspection stream', () => {
  it('numbers redacted events, drops children’s snapshots, and passes every event to Stately when asked', () => {
    const published: InspectionEvent[] = [];
    const toStately: XStateInspectionEvent[] = [];
    const inspect = sessionInspector((event) => published.push(event), { inspect: { next: (event) => toStately.push(event) } });
    const events = [
      inspected({ type: '@xstate.event', actorRef: session, event: { type: 'user.submitUserCode', userCode: SECRET } }),
      inspected({ type: '@xstate.snapshot', actorRef: child, snapshot: { value: undefined, input: { userCode: SECRET } } }),
      inspected({ type: '@xstate.snapshot', actorRef: session, snapshot: { value: { session: 'verifying' }, context: { secrets: { userCode: SECRET } } } }),
      inspected({ type: '@xstate.actor', actorRef: child }),
    ];
    for (const event of events) inspect(event);
    expect(published.map(({ seq, kind, actor }) => ({ seq, kind, actor }))).toEqual([
      { seq: 1, kind: 'event', actor: 'kioskSession' },
      { seq: 2, kind: 'snapshot', actor: 'kioskSession' },
      { seq: 3, kind: 'actor', actor: 'verifyIdentity' },
    ]);
    expect(published[1]).toMatchObject({ state: { session: 'verifying' } });
    expect(JSON.stringify(published)).not.toContain(SECRET);
    expect(toStately).toEqual(events);
  });
});
