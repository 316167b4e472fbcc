// The office dashboard's figures, from RA_EVENTS (the registry's event per card change) and the
// kiosks' views. Pure: the page feeds it what arrives over NATS; the tests feed it a known history.
import type { View } from '../../machines/contract/messages.ts';

/** One RA_EVENTS message, as far as the dashboard reads it (docs/registry.md). */
export interface RegistryEventLike {
  type: string;
  cardNumber: string;
  at: string;
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

export interface DashboardFigures {
  /** The day counted, `YYYY-MM-DD` in Taipei time. */
  day: string;
  activationsToday: number;
  /** 24 counts, hour 0 to 23 (Taipei time). */
  activationsPerHour: number[];
  /** Activations (by ref) that reached each step today. */
  funnel: Record<FunnelStep, number>;
  /** Where today's activations stand: their furthest step (the last bar is the completed ones). */
  endedAt: Record<FunnelStep, number>;
  /** Codes the registry answered today (from its events) and codes kiosks show now (from their views). */
  outcomes: Record<string, number>;
  /** Median seconds from one step to the next, over today's activations that made both. */
  medianSeconds: Partial<Record<`${FunnelStep}→${FunnelStep}`, number>>;
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

export function computeFigures(events: readonly RegistryEventLike[], views: readonly View[], now: number): DashboardFigures {
  const day = dayOf(now);
  const today = events.filter((event) => dayOf(Date.parse(event.at)) === day);
  const perHour = Array.from({ length: 24 }, () => 0);
  const outcomes: Record<string, number> = {};
  /** ref → the time it reached each step */
  const byActivation = new Map<string, Partial<Record<FunnelStep, number>>>();
  for (const event of today) {
    const at = Date.parse(event.at);
    if (event.type === 'activated') perHour[Number(taipeiHour.format(at))]! += 1;
    const code = EVENT_CODES[event.type];
    if (code !== undefined) outcomes[code] = (outcomes[code] ?? 0) + 1;
    if ((FUNNEL_STEPS as readonly string[]).includes(event.type) && event.activation !== undefined) {
      const steps = byActivation.get(event.activation) ?? {};
      const step = event.type as FunnelStep;
      // A repeated grant or a republished event keeps the first time.
      steps[step] = Math.min(steps[step] ?? at, at);
      byActivation.set(event.activation, steps);
    }
  }
  for (const view of views) {
    if (view.error !== undefined) outcomes[view.error.code] = (outcomes[view.error.code] ?? 0) + 1;
  }
  const funnel = Object.fromEntries(FUNNEL_STEPS.map((step) => [step, 0])) as Record<FunnelStep, number>;
  const endedAt = { ...funnel };
  const gaps = new Map<string, number[]>();
  for (const steps of byActivation.values()) {
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
  const medianSeconds: DashboardFigures['medianSeconds'] = {};
  for (const [key, values] of gaps) {
    const value = median(values);
    if (value !== undefined) medianSeconds[key as keyof DashboardFigures['medianSeconds']] = value;
  }
  const outOfService = views.filter((view) => view.screen === 'outOfService').length;
  return {
    day,
    activationsToday: perHour.reduce((sum, count) => sum + count, 0),
    activationsPerHour: perHour,
    funnel,
    endedAt,
    outcomes,
    medianSeconds,
    kiosks: { inService: views.length - outOfService, outOfService },
  };
}
