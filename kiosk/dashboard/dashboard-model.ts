// The office dashboard's figures, from RA_EVENTS (the registry's event per card change) and the
// kiosks' views. Pure: the page feeds it what arrives over NATS; the tests feed it a known history.
import type { View } from '../../machines/contract/messages.ts';
import { ACTIVATION_PATHS, type ActivationPath } from '../../machines/contract/screens.ts';

/** One RA_EVENTS message, as far as the dashboard reads it (docs/registry.md). */
export interface RegistryEventLike {
  type: string;
  cardNumber: string;
  at: string;
  /** The card's path; absent on events published before the registry added it. */
  route?: string;
  kioskId?: string;
  /** The activation's ref (never its id). */
  activation?: string;
  attemptsLeft?: number;
}

/** The registry's steps of an activation, in order: where an activation ends is its last step. */
export const FUNNEL_STEPS = ['verified', 'accepted', 'pin-granted', 'activated'] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

/** The codes an event stands for: a wrong attempt is 3005, the fifth locks the card. */
const EVENT_CODES: Readonly<Record<string, string>> = { 'attempt-failed': '3005', locked: 'LOCKED' };

/** The activation figures of one path (or of all activations together). */
export interface FunnelFigures {
  /** Activations (by ref) that reached each step today. */
  funnel: Record<FunnelStep, number>;
  /** Where today's activations stand: their furthest step (the last bar is the completed ones). */
  endedAt: Record<FunnelStep, number>;
  /** Median seconds from one step to the next, over today's activations that made both. */
  medianSeconds: Partial<Record<`${FunnelStep}→${FunnelStep}`, number>>;
}

export interface DashboardFigures extends FunnelFigures {
  /** The day counted, `YYYY-MM-DD` in Taipei time. */
  day: string;
  activationsToday: number;
  /** 24 counts, hour 0 to 23 (Taipei time). */
  activationsPerHour: number[];
  /** The same figures per path. The totals above also count the activations of unknown path. */
  byPath: Record<ActivationPath, FunnelFigures>;
  /** Today's activations whose events name no path (published before events carried one). */
  unknownPath: number;
  /** Codes the registry answered today (from its events) and codes kiosks show now (from their views). */
  outcomes: Record<string, number>;
  kiosks: { inService: number; outOfService: number };
}

const taipeiDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Taipei', year: 'numeric', month: '2-digit', day: '2-digit' });
const taipeiHour = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Taipei', hour: '2-digit', hourCycle: 'h23' });

export function dayOf(at: number): string {
  return taipeiDay.format(at);
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** ref → the time it reached each step, and its path when an event named one. */
interface Activation {
  steps: Partial<Record<FunnelStep, number>>;
  route?: ActivationPath;
}

function isPath(route: string | undefined): route is ActivationPath {
  return (ACTIVATION_PATHS as readonly (string | undefined)[]).includes(route);
}

export function computeFigures(events: readonly RegistryEventLike[], views: readonly View[], now: number): DashboardFigures {
  const day = dayOf(now);
  const today = events.filter((event) => dayOf(Date.parse(event.at)) === day);
  const perHour = Array.from({ length: 24 }, () => 0);
  const outcomes: Record<string, number> = {};
  const byActivation = new Map<string, Activation>();
  for (const event of today) {
    const at = Date.parse(event.at);
    if (event.type === 'activated') perHour[Number(taipeiHour.format(at))]! += 1;
    const code = EVENT_CODES[event.type];
    if (code !== undefined) outcomes[code] = (outcomes[code] ?? 0) + 1;
    if ((FUNNEL_STEPS as readonly string[]).includes(event.type) && event.activation !== undefined) {
      const activation = byActivation.get(event.activation) ?? { steps: {} };
      const step = event.type as FunnelStep;
      // A repeated grant or a republished event keeps the first time.
      activation.steps[step] = Math.min(activation.steps[step] ?? at, at);
      // One activation is one card, so one path: any of its events that names it says it.
      if (isPath(event.route)) activation.route = event.route;
      byActivation.set(event.activation, activation);
    }
  }
  for (const view of views) {
    if (view.error !== undefined) outcomes[view.error.code] = (outcomes[view.error.code] ?? 0) + 1;
  }
  const activations = [...byActivation.values()];
  const outOfService = views.filter((view) => view.screen === 'outOfService').length;
  return {
    day,
    activationsToday: perHour.reduce((sum, count) => sum + count, 0),
    activationsPerHour: perHour,
    ...funnelFigures(activations),
    byPath: Object.fromEntries(
      ACTIVATION_PATHS.map((path) => [path, funnelFigures(activations.filter((activation) => activation.route === path))]),
    ) as Record<ActivationPath, FunnelFigures>,
    unknownPath: activations.filter((activation) => activation.route === undefined).length,
    outcomes,
    kiosks: { inService: views.length - outOfService, outOfService },
  };
}

function funnelFigures(activations: readonly Activation[]): FunnelFigures {
  const funnel = Object.fromEntries(FUNNEL_STEPS.map((step) => [step, 0])) as Record<FunnelStep, number>;
  const endedAt = { ...funnel };
  const gaps = new Map<string, number[]>();
  for (const { steps } of activations) {
    let furthest: FunnelStep | undefined;
    FUNNEL_STEPS.forEach((step, index) => {
      if (steps[step] === undefined) return;
      funnel[step] += 1;
      furthest = step;
      const before = FUNNEL_STEPS[index - 1];
      const from = before === undefined ? undefined : steps[before];
      if (before !== undefined && from !== undefined) {
        const key = `${before}→${step}`;
        gaps.set(key, [...(gaps.get(key) ?? []), (steps[step]! - from) / 1000]);
      }
    });
    if (furthest !== undefined) endedAt[furthest] += 1;
  }
  const medianSeconds: FunnelFigures['medianSeconds'] = {};
  for (const [key, values] of gaps) {
    const value = median(values);
    if (value !== undefined) medianSeconds[key as keyof FunnelFigures['medianSeconds']] = value;
  }
  return { funnel, endedAt, medianSeconds };
}
