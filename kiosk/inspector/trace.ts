// A session as a trace: the events the session actor received (type and non-secret payload),
// the state each one led to, and the screen and error code the kiosk then showed, with times.
// The inspector records one live and exports it as JSON; it loads one and steps through it on
// the drawing; tests/traces/*.json are replayed against the machine by tests/unit/traces.test.ts.
// Pure: the browser and Node both use it.
import * as v from 'valibot';
import type { InspectionEvent, View } from '../../machines/contract/messages.ts';
import { redactEvent } from '../../machines/session/redact.ts';
import { statePathOfValue } from './statechart.ts';

export const TRACE_FORMAT = 'moeaca-session-trace';

export const TraceStepSchema = v.object({
  at: v.pipe(v.string(), v.isoTimestamp()),
  /** Type and payload; secret fields hold a placeholder (machines/session/redact.ts). */
  event: v.looseObject({ type: v.string() }),
  /** The state path after the event ('session.awaitingPin'). */
  state: v.optional(v.string()),
  screen: v.optional(v.string()),
  code: v.optional(v.string()),
});
export type TraceStep = v.InferOutput<typeof TraceStepSchema>;

export const SessionTraceSchema = v.object({
  format: v.literal(TRACE_FORMAT),
  version: v.literal(1),
  /** The machine's root id. */
  machine: v.string(),
  /** What the trace shows, for people. */
  title: v.optional(v.string()),
  steps: v.array(TraceStepSchema),
});
export type SessionTrace = v.InferOutput<typeof SessionTraceSchema>;

/** Reads a trace file; secret fields are redacted again, whatever the file held. */
export function parseTrace(json: string): SessionTrace {
  const trace = v.parse(SessionTraceSchema, JSON.parse(json));
  return { ...trace, steps: trace.steps.map((step) => ({ ...step, event: redactEvent(step.event) })) };
}

/** Builds a trace from what the inspector receives: inspection events and views. */
export class TraceRecorder {
  readonly #steps: TraceStep[] = [];
  #sessionActor: string | undefined;

  constructor(readonly machine: string) {}

  get steps(): readonly TraceStep[] {
    return this.#steps;
  }

  inspection(event: InspectionEvent): void {
    if (event.kind === 'event' && event.event !== undefined) {
      // Only what the session actor itself received (a child actor's events are its own).
      if (this.#sessionActor !== undefined && event.actor !== this.#sessionActor) return;
      this.#steps.push({ at: event.at, event: redactEvent(event.event) });
    } else if (event.kind === 'snapshot' && event.state !== undefined) {
      this.#sessionActor ??= event.actor;
      const last = this.#steps.at(-1);
      const state = statePathOfValue(event.state);
      if (last === undefined) this.#steps.push({ at: event.at, event: { type: 'xstate.init' }, state });
      else last.state = state;
    }
  }

  view(view: View): void {
    const last = this.#steps.at(-1);
    if (last === undefined) return;
    last.screen = view.screen;
    if (view.error !== undefined) last.code = view.error.code;
    else delete last.code;
  }

  clear(): void {
    this.#steps.length = 0;
    this.#sessionActor = undefined;
  }

  toTrace(title?: string): SessionTrace {
    return {
      format: TRACE_FORMAT,
      version: 1,
      machine: this.machine,
      ...(title === undefined ? {} : { title }),
      steps: this.#steps.map((step) => ({ ...step })),
    };
  }
}
