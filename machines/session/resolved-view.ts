// The view an engine would publish for the machine resolved into a state, without running it to
// get there. The kiosk's example screens and the consoles' example kiosks are made this way, so
// `accepts`, `step`, `busy` and the return screens are the machine's own, never a hand-kept copy.
import type { StateValue } from 'xstate';
import type { CardData, View } from '../contract/messages.ts';
import type { ActivationPath, Language } from '../contract/screens.ts';
import { DEFAULT_TIMING, initialSessionContext, sessionMachine, type SessionContext } from './session.machine.ts';
import { deriveView } from './view.ts';

export interface ResolvedSituation {
  readonly value: StateValue;
  /** The chosen path, which is also the card's route. */
  readonly path?: ActivationPath | null;
  readonly card?: CardData | null;
  /** When the screen's timer fires, for a screen that has one. */
  readonly deadline?: Date | null;
  readonly language?: Language;
  /** What the machine would have set on the way into `value`: resolving runs no entry actions. */
  readonly context?: Partial<SessionContext>;
}

/** `deriveView` of the session machine resolved into `situation`, as kiosk `kioskId` would publish it with `seq`. */
export function viewOfResolvedState(situation: ResolvedSituation, meta: { readonly kioskId: string; readonly seq: number }): View {
  const path = situation.path ?? null;
  const context: SessionContext = {
    ...initialSessionContext(DEFAULT_TIMING, situation.language ?? 'zh-TW'),
    card: situation.card ?? null,
    route: path,
    chosenPath: path,
    deadline: situation.deadline?.toISOString() ?? null,
    ...situation.context,
  };
  return deriveView(sessionMachine.resolveState({ value: situation.value, context }), meta);
}
