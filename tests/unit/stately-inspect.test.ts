// The opt-in feed to @statelyai/inspect: off unless STATELY_INSPECT_URL is set, and every event
// it would send passes the same redaction as our inspection stream.
import { describe, expect, it } from 'vitest';
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import { redactStatelyEvent, statelyInspectorFromEnv } from '../../services/kiosk-engine/stately-inspect.ts';

const base = { rootId: 'x:0', sessionId: 'x:0', createdAt: '2026-06-01T00:00:00Z', id: '1', _version: '1' };

describe('@statelyai/inspect feed', () => {
  it('is off by default and refuses a URL that is not a websocket', () => {
    expect(statelyInspectorFromEnv({})).toBeUndefined();
    expect(statelyInspectorFromEnv({ STATELY_INSPECT_URL: '' })).toBeUndefined();
    expect(() => statelyInspectorFromEnv({ STATELY_INSPECT_URL: 'http://example.invalid' })).toThrow(/ws:\/\//);
  });

  it('sends no secret: event payloads redacted, snapshots without context', () => {
    const event = { type: 'user.submitPin', pin: 'CANARY-PIN-1', pinConfirm: 'CANARY-PIN-1' };
    const events = [
      { ...base, type: '@xstate.event', event, sourceId: undefined },
      {
        ...base,
        type: '@xstate.snapshot',
        event,
        snapshot: { status: 'active', value: { session: 'awaitingPin' }, context: { secrets: { userCode: 'CANARY-UC-2' } } } as never,
      },
      {
        ...base,
        type: '@xstate.actor',
        name: 'verifyIdentity',
        snapshot: { status: 'active', context: { userCode: 'CANARY-UC-3' }, value: undefined },
        definition: undefined,
        parentId: undefined,
      },
    ] as unknown as StatelyInspectionEvent[];
    const sent = events.map((inspected) => redactStatelyEvent(inspected));
    const text = JSON.stringify(sent);
    expect(text).not.toContain('CANARY');
    expect(text).toContain('user.submitPin');
    expect(text).toContain('awaitingPin');
  });
});
