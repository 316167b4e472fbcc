// Running the rehearsal's steps: one line per step with its time, the last line exactly
// `site rehearsal: M/N steps passed`. A step that fails ends the run (later steps need it); the
// steps not run count as not passed.
export interface Step {
  name: string;
  run: () => Promise<string>;
}

export interface StepResult {
  name: string;
  ok: boolean;
  seconds: number;
  detail: string;
}

export async function runSteps(steps: readonly Step[], print: (line: string) => void): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const width = String(steps.length).length;
  for (const [index, step] of steps.entries()) {
    const started = performance.now();
    let ok = true;
    let detail: string;
    try {
      detail = await step.run();
    } catch (error) {
      ok = false;
      detail = error instanceof Error ? error.message : String(error);
    }
    const seconds = (performance.now() - started) / 1000;
    results.push({ name: step.name, ok, seconds, detail });
    print(`${ok ? 'ok  ' : 'FAIL'} ${String(index + 1).padStart(width)}/${steps.length} ${step.name} (${seconds.toFixed(1)} s): ${detail}`);
    if (!ok) break;
  }
  for (const step of steps.slice(results.length)) results.push({ name: step.name, ok: false, seconds: 0, detail: 'not run' });
  return results;
}

export function summaryLine(results: readonly StepResult[]): string {
  return `site rehearsal: ${results.filter((r) => r.ok).length}/${results.length} steps passed`;
}
