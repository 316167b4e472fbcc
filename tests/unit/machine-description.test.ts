import { describe, expect, it } from 'vitest';
import { SCREENS } from '../../machines/contract/index.ts';
import { sessionMachine } from '../../machines/session/index.ts';
import { describeMachine, type DescribedState } from '../../services/kiosk-engine/machine-description.ts';

function all(state: DescribedState): DescribedState[] {
  return [state, ...state.states.flatMap(all)];
}

describe('machine description for the inspector', () => {
  const described = describeMachine(sessionMachine);
  const states = all(described);

  it('names every state of the machine once, with the screen of every atomic state', () => {
    const ids = states.map((state) => state.id);
    expect(new Set(ids).size).toBe(ids.length);
    // A choice point (left at once by `always`, e.g. failed.routing) shows no screen.
    const shown = states.filter((s) => s.type === 'atomic' && !s.transitions.some((t) => t.event === 'always'));
    for (const state of shown) expect(SCREENS).toContain(state.screen);
  });

  it('labels timers, actor outcomes and guard combinators readably', () => {
    const pin = states.find((state) => state.key === 'awaitingPin')!;
    expect(pin.transitions).toContainEqual(expect.objectContaining({ event: 'after idleTimeout' }));
    expect(pin.transitions.some((t) => t.guard?.startsWith('not(is'))).toBe(true);
    const verifying = states.find((state) => state.key === 'verifying')!;
    expect(verifying.invokes).toEqual(['verifyIdentity']);
    expect(verifying.transitions.some((t) => t.event === 'done verifyIdentity')).toBe(true);
    expect(verifying.transitions.some((t) => t.event === 'error verifyIdentity')).toBe(true);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(described))).toEqual(described);
  });
});
