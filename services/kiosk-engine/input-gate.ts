// The input gate: what may reach the session, and in which order. It listens on the kiosk's
// input (the UI), staff and card-event subjects; decodes each message with its contract schema
// (a message that fails it is refused with BAD_REQUEST, counted, and changes nothing); lets a
// staff event through only with a token that stands (staff-check.ts; the staff id is the
// token's); and keeps arrival order (arrival-order.ts). Logs name event types, never payloads.
import type { Msg } from '@nats-io/nats-core';
import type * as v from 'valibot';
import { CardEventSchema, ContractError, decodeJson, StaffEventSchema, UserEventSchema, type kioskSubjects } from '../../machines/contract/index.ts';
import { StaffError } from '../../machines/contract/staff.ts';
import type { SessionEvent } from '../../machines/session/index.ts';
import type { PartRuntime } from '../../platform/nats-runtime.ts';
import { ArrivalOrder } from './arrival-order.ts';
import type { StaffCheck } from './staff-check.ts';

export type EventSource = 'input' | 'staff' | 'card';

export interface InputGateOptions {
  part: PartRuntime;
  subjects: Pick<ReturnType<typeof kioskSubjects>, 'input' | 'staff' | 'cardEvents'>;
  checkStaff: StaffCheck;
  /** Hands an event on to the session (session-host.ts). */
  deliver: (event: SessionEvent, source: EventSource) => void;
}

export interface GateCounts {
  /** Messages that failed their schema. */
  rejected: number;
  /** Staff events refused for want of a valid staff token. */
  staffRefused: number;
}

export class InputGate {
  readonly #options: InputGateOptions;
  readonly #order: ArrivalOrder;
  readonly #counts: GateCounts = { rejected: 0, staffRefused: 0 };

  /** Starts listening on the three subjects. */
  constructor(options: InputGateOptions) {
    this.#options = options;
    const { part, subjects } = options;
    this.#order = new ArrivalOrder((error) => part.log.error('event delivery failed', { error }));
    part.listen(subjects.input, (msg) => this.#take('input', UserEventSchema, msg, (event) => this.#inOrder(event, 'input')));
    part.listen(subjects.staff, (msg) => this.#take('staff', StaffEventSchema, msg, (event) => this.#staffEvent(event, msg)));
    part.listen(subjects.cardEvents, (msg) =>
      this.#take('card.events', CardEventSchema, msg, ({ type, reader, atr, at }) =>
        this.#inOrder({ type, reader, at, ...(atr === undefined ? {} : { atr }) } as SessionEvent, 'card'),
      ),
    );
  }

  counts(): GateCounts {
    return { ...this.#counts };
  }

  /** Resolves once every event taken so far has been delivered or refused. */
  idle(): Promise<void> {
    return this.#order.idle();
  }

  #take<S extends v.GenericSchema>(source: string, schema: S, msg: Msg, pass: (event: v.InferOutput<S>) => void): void {
    const decoded = decodeJson(schema, msg.data);
    if (decoded.ok) return pass(decoded.value);
    this.#counts.rejected++;
    this.#options.part.log.warn('message failed validation', { source, problems: decoded.problems });
    this.#options.part.refuse(msg, new ContractError('BAD_REQUEST', decoded.problems.join('; ')));
  }

  #inOrder(event: SessionEvent, source: EventSource): void {
    this.#order.take(() => this.#options.deliver(event, source));
  }

  /** The check starts at once; the event waits in line for it, and holds back what comes after. */
  #staffEvent({ type, token }: v.InferOutput<typeof StaffEventSchema>, msg: Msg): void {
    const { part, checkStaff, deliver } = this.#options;
    this.#order.take(
      checkStaff(token).then(
        (staff) => () => {
          part.log.info('staff event', { type, staffId: staff.staffId });
          deliver({ type, staffId: staff.staffId } as SessionEvent, 'staff');
        },
        (error: unknown) => () => {
          this.#counts.staffRefused++;
          const refusal = error instanceof StaffError ? error : new StaffError('STAFF_TOKEN_INVALID', 'the staff token does not verify');
          part.log.warn('staff event refused', { type, code: refusal.code });
          part.refuse(msg, refusal);
        },
      ),
    );
  }
}
