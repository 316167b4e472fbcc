// One measure of a benchmark, with its raw baseline from the same run and its target, recorded for
// docs/benchmarks.md. `npm run bench` (run.ts) sets BENCH_RESULTS to a file; each benchmark process
// appends one JSON line per measure; run.ts writes the report from them.
import { appendFileSync } from 'node:fs';

export interface Measure {
  bench: string;
  name: string;
  /** Our path, in `unit`. */
  value: number;
  unit: string;
  /** The raw baseline of the same run, in the same unit (absent for a budget). */
  baseline?: { name: string; value: number };
  /** What is compared with the target: `value ÷ baseline`, `value − baseline`, or the value. */
  compared: 'ratio' | 'added' | 'value';
  target: { op: '≥' | '≤' | '<'; value: number };
}

export function compare(measure: Measure): number {
  const base = measure.baseline?.value ?? 0;
  if (measure.compared === 'ratio') return measure.value / base;
  if (measure.compared === 'added') return measure.value - base;
  return measure.value;
}

export function isMet(measure: Measure): boolean {
  const got = compare(measure);
  const { op, value } = measure.target;
  return op === '≥' ? got >= value : op === '≤' ? got <= value : got < value;
}

export function record(measure: Measure): void {
  const file = process.env.BENCH_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify(measure)}\n`);
}
