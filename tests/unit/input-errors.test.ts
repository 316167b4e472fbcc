// One table says where each input error belongs (machines/contract/input-errors.ts): the machine
// sends the user back to that screen and the page marks that screen's fields. Here the chart is read
// transition by transition: every input error it shows lands on the screen the table names for its
// code, and every row of the table is a way the chart really goes.
import type { AnyStateNode } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import { fieldsMarkedBy, INPUT_ERROR_FIELDS, inputErrorCodesOn, type InputErrorScreen } from '../../machines/contract/index.ts';
import { sessionMachine, type SessionMeta } from '../../machines/session/index.ts';

type Param = { type?: unknown; params?: Record<string, unknown> };

/** Every (screen, code) the chart shows as an input error: a transition that sets one, by its target's screen. */
function inputErrorsOfTheChart(): Set<string> {
  const shown = new Set<string>();
  for (const node of getStateNodes(sessionMachine.root) as AnyStateNode[]) {
    for (const transitions of node.transitions.values()) {
      for (const transition of transitions) {
        const actions = transition.actions as Param[];
        const guard = transition.guard as Param | undefined;
        const screen = (transition.target?.[0]?.meta as SessionMeta | undefined)?.screen;
        for (const action of actions) {
          if (action.type === 'showInputError') shown.add(`${screen}:${String(action.params?.code)}`);
          if (action.type === 'showRejectionAsInputError') {
            expect(guard?.type, `${node.id}: a rejection shown as an input error is chosen by its code`).toBe('isFailedWith');
            for (const code of guard?.params?.codes as string[]) shown.add(`${screen}:${code}`);
          }
        }
      }
    }
  }
  return shown;
}

describe('input errors: one table for the machine and the page', () => {
  it('the chart shows each input error on the screen the table names for its code, and every row is used', () => {
    const table = (Object.keys(INPUT_ERROR_FIELDS) as InputErrorScreen[]).flatMap((screen) =>
      inputErrorCodesOn(screen).map((code) => `${screen}:${code}`),
    );
    expect([...inputErrorsOfTheChart()].sort()).toEqual([...table].sort());
  });

  it('marks the fields each code concerns, and none for a code or screen the table does not list', () => {
    expect(fieldsMarkedBy('enterResponsibleId', 'BIRTH_DATE_REQUIRED')).toEqual(['birthYear', 'birthMonth', 'birthDay']);
    expect(fieldsMarkedBy('enterResponsibleId', '3005')).toEqual(['responsibleId', 'birthYear', 'birthMonth', 'birthDay']);
    expect(fieldsMarkedBy('enterUserCode', '3005')).toEqual(['userCode']);
    expect(fieldsMarkedBy('enterContact', 'USER_CODE_MISMATCH')).toEqual(['userCodeConfirm']);
    expect(fieldsMarkedBy('enterPin', 'EMAIL_FORMAT')).toEqual([]);
    expect(fieldsMarkedBy('failed', '3125')).toEqual([]);
    expect(fieldsMarkedBy('enterPin', undefined)).toEqual([]);
  });
});
