// What the failure screen says about its error and what to do next, decided in one place: the
// screen shows these texts and the spoken guidance plays the audio made from the same keys
// (kiosk/src/speech/spoken-text.ts), so what is heard is always what is read.
import { ERRORS, type Remedy } from '../../../../machines/contract/errors.ts';
import type { RegistryStep, View } from '../../../../machines/contract/messages.ts';

/** The advice the failure screen gives: a remedy's own, or one of the screen's special cases. */
export type Advice = Remedy | 'otherPath' | 'notDetectedAgain' | 'notBusinessCard' | `3125.${RegistryStep}`;

/** The remedy of the view's error (the registry may name one; else the catalogue's). */
export function remedyOf(view: View): Remedy {
  const error = view.error;
  return error ? (error.remedy ?? ERRORS[error.code].remedy) : 'staff';
}

/** What the failure screen advises for this view. */
export function failureAdvice(view: View): Advice {
  const error = view.error;
  const remedy = remedyOf(view);
  if (view.accepts.includes('user.choosePath')) return 'otherPath';
  if (error?.code === 'CARD_NOT_DETECTED' && remedy === 'staff') return 'notDetectedAgain';
  if (error?.code === 'NOT_BUSINESS_CARD') return 'notBusinessCard';
  if (error?.code === '3125' && error.during !== undefined) return `3125.${error.during}`;
  return remedy;
}

/** The step a 3125 happened at, when the view says (its title then says what did not happen there). */
export function step3125(view: View): RegistryStep | undefined {
  return view.error?.code === '3125' ? view.error.during : undefined;
}

/** The catalogue words an advice stands for. */
export interface AdviceWords {
  remedies: Record<Remedy, string>;
  remedyOtherPath: string;
  notDetectedAgain: string;
  notBusinessCard: string;
  failed3125: Record<RegistryStep, { what: string; next: string }>;
}

export function adviceText(advice: Advice, words: AdviceWords): string {
  if (advice === 'otherPath') return words.remedyOtherPath;
  if (advice === 'notDetectedAgain') return words.notDetectedAgain;
  if (advice === 'notBusinessCard') return words.notBusinessCard;
  if (advice.startsWith('3125.')) return words.failed3125[advice.slice('3125.'.length) as RegistryStep].next;
  return words.remedies[advice as Remedy];
}
