// Replays a recorded trace against the session machine, purely (xstate's `transition`, no actors
// started): each event is given to the machine as recorded, with the kiosk clock at the step's
// time, and what it led to (state path, screen, error code) is returned for comparison.
// A secret field holds only a placeholder in a trace: for such an event the replay tries the
// graph model's sample inputs of the same event type (well-formed, malformed, mismatched …) and
// takes the first that leads where the recording went; if none does, the machine has changed.
import { getInitialSnapshot, transition, type AnyMachineSnapshot, type EventObject } from 'xstate';
import { ContractError, type ErrorCode } from '../../machines/contract/index.ts';
import { eventsFor } from '../../kiosk/tools/states-graph-model.ts';
import { SECRET_PLACEHOLDER } from '../../machines/session/redact.ts';
import { readClockFrom, sessionMachine } from '../../machines/session/session.machine.ts';
import { deriveView, statePathOf, type SessionSnapshot } from '../../machines/session/view.ts';
import type { SessionTrace, TraceStep } from '../../kiosk/inspector/trace.ts';

export interface ReplayedStep {
  state: string;
  screen: string;
  code?: string;
}

function hasPlaceholder(value: unknown): boolean {
  if (value === SECRET_PLACEHOLDER) return true;
  return typeof value === 'object' && value !== null && Object.values(value).some(hasPlaceholder);
}

/** A recorded event as the machine receives it: a recorded actor error becomes an error again. */
function revive(event: TraceStep['event']): EventObject {
  if (!event.type.startsWith('xstate.error.actor.')) return event;
  const error = event.error as { code?: string; attemptsLeft?: number } | undefined;
  const revived =
    error?.code === undefined
      ? new Error('no contract code')
      : new ContractError(error.code as ErrorCode, undefined, error.attemptsLeft === undefined ? {} : { attemptsLeft: error.attemptsLeft });
  return { ...event, error: revived } as EventObject;
}

function outcome(snapshot: SessionSnapshot): ReplayedStep {
  const view = deriveView(snapshot, { kioskId: 'replay', seq: 0 });
  return { state: statePathOf(snapshot.value), screen: view.screen, ...(view.error ? { code: view.error.code } : {}) };
}

const matches = (got: ReplayedStep, step: TraceStep) =>
  (step.state === undefined || got.state === step.state) &&
  (step.screen === undefined || got.screen === step.screen) &&
  got.code === step.code;

export function replayTrace(trace: SessionTrace): ReplayedStep[] {
  let now = Date.parse(trace.steps[0]?.at ?? new Date(0).toISOString());
  const machine = sessionMachine.provide({ actions: { readClock: readClockFrom(() => now) } });
  let snapshot = getInitialSnapshot(machine, {}) as unknown as SessionSnapshot;
  const results: ReplayedStep[] = [];
  for (const step of trace.steps) {
    now = Date.parse(step.at);
    if (step.event.type === 'xstate.init') {
      results.push(outcome(snapshot));
      continue;
    }
    const candidates = hasPlaceholder(step.event)
      ? eventsFor(snapshot).filter((sample) => sample.type === step.event.type)
      : [revive(step.event)];
    let next: SessionSnapshot | undefined;
    for (const candidate of candidates) {
      const [after] = transition(machine, snapshot as unknown as AnyMachineSnapshot, candidate as never);
      next = after as unknown as SessionSnapshot;
      if (matches(outcome(next), step)) break;
    }
    snapshot = next ?? snapshot;
    results.push(outcome(snapshot));
  }
  return results;
}
