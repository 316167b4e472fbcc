// `npm run site -- rehearse [--keep] [--reduced]` | `stop` | `check <site.json> [--canary <cardNumber>]`
// (docs/site-rehearsal.md). Needs root: it makes network namespaces, system users and mounts.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keepLogs, knownRuns, newRun, tearDown } from './host.ts';
import { rehearsalSteps, type RehearsalOptions } from './rehearsal.ts';
import { runSteps, summaryLine } from './steps.ts';
import { runCheck } from './check.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const USAGE = `usage: npm run site -- rehearse [--keep] [--reduced]
       npm run site -- stop
       npm run site -- check <site.json> [--canary <cardNumber>]`;

async function rehearse(options: RehearsalOptions): Promise<number> {
  const state = await newRun();
  const print = (line: string) => process.stdout.write(`${line}\n`);
  print(`run ${state.runId} (state in ${state.dir}; \`npm run site -- stop\` removes it)`);
  let results;
  const plan = rehearsalSteps(state, ROOT, options);
  // Ctrl-C or a kill still removes what was made.
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    void plan.close().then(() => tearDown(state, print)).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    results = await runSteps(plan.steps, print);
    await plan.report(results);
  } finally {
    await plan.close();
  }
  const passed = results.every((r) => r.ok);
  // SITE_KEEP_FAILED=1: a failed run is left running too, for a person to look at (then `stop`).
  if ((passed || process.env.SITE_KEEP_FAILED === '1') && options.keep) {
    print(`kept running: ${join(state.dir, 'site.json')}`);
  } else {
    if (!passed) print(`logs kept in ${await keepLogs(state)}`);
    await tearDown(state, print);
  }
  print(summaryLine(results));
  return passed ? 0 : 1;
}

async function stop(): Promise<number> {
  const runs = await knownRuns();
  if (runs.length === 0) console.log('no rehearsed site is running');
  let problems = 0;
  for (const state of runs) problems += (await tearDown(state, (line) => console.log(line))).length;
  return problems === 0 ? 0 : 1;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'rehearse') {
    const unknown = rest.filter((arg) => arg !== '--keep' && arg !== '--reduced');
    if (unknown.length > 0) return usage();
    return rehearse({ keep: rest.includes('--keep'), reduced: rest.includes('--reduced') });
  }
  if (command === 'stop' && rest.length === 0) return stop();
  if (command === 'check' && rest[0] !== undefined) {
    const canaryAt = rest.indexOf('--canary');
    const canary = canaryAt >= 0 ? rest[canaryAt + 1] : undefined;
    if (canaryAt >= 0 && canary === undefined) return usage();
    const report = await runCheck(resolve(rest[0]), { canary, print: (line) => console.log(line) });
    return report.ok ? 0 : 1;
  }
  return usage();
}

function usage(): number {
  console.error(USAGE);
  return 2;
}

if (process.getuid?.() !== 0) {
  console.error('npm run site needs root (network namespaces, system users, mounts)');
  process.exit(2);
}
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
