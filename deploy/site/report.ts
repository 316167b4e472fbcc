// The generated section of docs/site-rehearsal.md: the machine, the steps and their times.
import { cpus, totalmem } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './host.ts';
import type { RehearsalOptions } from './rehearsal.ts';
import type { StepResult } from './steps.ts';
import { summaryLine } from './steps.ts';

const BEGIN = '<!-- site rehearsal: generated, do not edit by hand -->';
const END = '<!-- end of the generated section -->';

export async function writeReport(root: string, results: readonly StepResult[], options: RehearsalOptions): Promise<void> {
  const file = join(root, 'docs', 'site-rehearsal.md');
  const text = await readFile(file, 'utf8').catch(() => `# The site rehearsal\n\n${BEGIN}\n${END}\n`);
  const natsVersion = (await run('/usr/sbin/nats-server', ['--version']).catch(() => 'unknown')).trim();
  const chromium = (await run('/usr/bin/chromium', ['--version']).catch(() => 'unknown')).trim();
  const total = results.reduce((sum, r) => sum + r.seconds, 0);
  const generated = [
    BEGIN,
    '',
    `Run of \`npm run site -- rehearse${options.reduced ? ' --reduced' : ''}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${summaryLine(results)} in ${total.toFixed(0)} s.`,
    '',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, shared with other work; Node ${process.version}; ${natsVersion}; ${chromium}.`,
    '',
    '| # | step | result | time (s) | detail |',
    '|---|---|---|---|---|',
    ...results.map((r, i) => `| ${i + 1} | ${r.name} | ${r.ok ? 'ok' : r.detail === 'not run' ? 'not run' : 'FAIL'} | ${r.seconds.toFixed(1)} | ${r.detail.replaceAll('|', '\\|').replaceAll('\n', ' ')} |`),
    '',
    END,
  ].join('\n');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  const next = start >= 0 && end > start ? `${text.slice(0, start)}${generated}${text.slice(end + END.length)}` : `${text.trimEnd()}\n\n${generated}\n`;
  await writeFile(file, next);
}
