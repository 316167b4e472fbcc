// `npm run bench`: runs every benchmark script in this folder, one after another in separate
// processes (so one's load never skews another's), prints their reports, and writes the measures
// (each with its baseline from the same run, its ratio, its target, met or missed and by how much,
// and the machine) to docs/benchmarks.md. A benchmark measures; none of them asserts a time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, replaceSection } from '../load/report.ts';
import { compare, isMet, type Measure } from './measures.ts';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort();

const resultsDir = mkdtempSync(join(tmpdir(), 'bench-results-'));
const resultsFile = join(resultsDir, 'measures.jsonl');
let failed = 0;
for (const script of scripts) {
  console.log(`\n=== ${script}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, script)], { stdio: 'inherit', env: { ...process.env, BENCH_RESULTS: resultsFile } });
  if (result.status !== 0) {
    failed++;
    console.error(`${script} failed (exit ${result.status ?? result.signal})`);
  }
}

let measures: Measure[] = [];
try {
  measures = readFileSync(resultsFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Measure);
} catch {
  // No benchmark recorded anything (all failed): the report says so.
}
rmSync(resultsDir, { recursive: true, force: true });

const number = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(3));
function by(measure: Measure): string {
  const got = compare(measure);
  const margin = measure.target.op === '≥' ? got - measure.target.value : measure.target.value - got;
  const unit = measure.compared === 'ratio' ? '' : ` ${measure.unit}`;
  return `${isMet(measure) ? 'met' : '**missed**'} by ${number(Math.abs(margin))}${unit}`;
}
const lines = [
  '## Benchmarks (`npm run bench`)',
  '',
  `Run ${new Date().toISOString()}${only.length > 0 ? ` (only: ${only.join(', ')})` : ''} on ${machine()}.`,
  '',
  '| benchmark | measure | ours | raw baseline (same run) | compared | target | result |',
  '|---|---|---|---|---|---|---|',
  ...measures.map((m) => {
    const compared = m.compared === 'ratio' ? `×${number(compare(m))}` : m.compared === 'added' ? `${compare(m) >= 0 ? '+' : '−'}${number(Math.abs(compare(m)))} ${m.unit}` : `${number(compare(m))} ${m.unit}`;
    const base = m.baseline ? `${m.baseline.name}: ${number(m.baseline.value)} ${m.compared === 'value' && m.unit === 'KB' ? '' : m.unit}` : '–';
    return `| ${m.bench} | ${m.name} | ${number(m.value)} ${m.unit} | ${base} | ${compared} | ${m.compared === 'ratio' ? `${m.target.op} ×${m.target.value}` : `${m.target.op} ${m.target.value} ${m.unit}`} | ${by(m)} |`;
  }),
  ...(failed > 0 ? ['', `${failed} benchmark script(s) failed in this run; their measures are missing above.`] : []),
];
if (measures.length > 0 || failed > 0) await replaceSection('bench', lines.join('\n'));
process.exit(failed === 0 ? 0 : 1);
