// Screenshots for docs/: the statechart drawing mid-session (a committed path-B trace stepped to
// the national-ID screen, the drawing following) and the office dashboard (a known RA_EVENTS history), from the real components in
// headless Chromium at 1600×1000. `npm run screenshots:flow`.
import { build } from 'esbuild';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../platform/chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const ENTRY = `
import { KaInspectorApp } from './kiosk/inspector/app/ka-inspector-app.ts';
import './kiosk/dashboard/ka-dashboard-app.ts';
import { fixtureMachine } from './kiosk/inspector/fixtures.ts';
import { fixtureKiosks } from './kiosk/consoles/fixtures.ts';
import { parseTrace } from './kiosk/inspector/trace.ts';
import { computeFigures } from './kiosk/dashboard/dashboard-model.ts';
window.showInspector = async (traceJson, steps) => {
  const app = document.createElement('ka-inspector-app');
  app.kiosks = fixtureKiosks(); app.machine = fixtureMachine(); app.kioskId = 'kiosk-1';
  document.body.append(app);
  await app.updateComplete;
  const graph = app.shadowRoot.querySelector('ka-statechart-graph');
  await graph.drawn;
  app.loadTrace(parseTrace(traceJson));
  // One step at a time, as a live kiosk moves: the drawing follows each.
  for (let step = 0; step < steps; step++) {
    app.stepTrace(1);
    await app.updateComplete; await graph.updateComplete;
  }
};
window.showDashboard = (history, now) => {
  const app = document.createElement('ka-dashboard-app');
  app.connection = 'connected';
  app.figures = computeFigures(history, [...fixtureKiosks().values()].map((entry) => entry.view), now);
  document.body.append(app);
};
`;

const DAY = '2026-06-01';
/** A made-up day at one office: activations through the day, some stopping part way, errors. */
function sampleHistory(): object[] {
  const events: object[] = [];
  let n = 0;
  for (const [hour, count] of [[9, 3], [10, 5], [11, 4], [13, 6], [14, 7], [15, 2]] as const) {
    for (let i = 0; i < count; i++) {
      const ref = `r${++n}`;
      // About one in three by the registration form, as at a counter.
      const route = n % 3 === 0 ? 'registration-bundled' : 'self-applied';
      const start = Date.parse(`${DAY}T${String(hour - 8).padStart(2, '0')}:${String(i * 7).padStart(2, '0')}:00Z`);
      const step = (type: string, seconds: number) => events.push({ type, cardNumber: `TT${n}`, at: new Date(start + seconds * 1000).toISOString(), route, activation: ref });
      if (n % 4 === 0) events.push({ type: 'attempt-failed', cardNumber: `TT${n}`, at: new Date(start - 30_000).toISOString(), route, attemptsLeft: 4 });
      step('verified', 0);
      if (n % 7 === 0) continue;
      step('accepted', 70 + (n % 5) * 20);
      if (n % 9 === 0) continue;
      step('pin-granted', 130 + (n % 3) * 15);
      step('activated', 160 + (n % 3) * 15);
    }
  }
  events.push({ type: 'locked', cardNumber: 'TT99', at: `${DAY}T05:30:00Z` });
  return events;
}

const dir = await mkdtemp(join(tmpdir(), 'flow-shots-'));
try {
  await build({
    stdin: { contents: ENTRY, resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'esm',
    outfile: join(dir, 'preview.js'),
    target: 'chrome120',
    tsconfig: join(root, 'tsconfig.json'),
    conditions: ['production'],
    logLevel: 'warning',
  });
  // Inline: Chromium loads no module script from file://.
  const bundle = (await readFile(join(dir, 'preview.js'), 'utf8')).replaceAll('</script', '<\\/script');
  const pageHtml = `<!doctype html><html lang="zh-TW"><head><meta charset="utf-8"><title>preview</title>
    <style>html,body{margin:0;height:100%;background:#f3f5f8}</style><script type="module">${bundle}</script></head><body></body></html>`;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  const shoot = async (file: string, setup: (page: import('playwright-core').Page) => Promise<void>) => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.setContent(pageHtml);
    await page.waitForFunction(() => 'showInspector' in window);
    await setup(page);
    await page.screenshot({ path: join(root, 'docs', 'screenshots', file) });
    await page.close();
    console.log(`docs/screenshots/${file}`);
  };
  const trace = await readFile(join(root, 'tests', 'traces', 'activated-registration-bundled.json'), 'utf8');
  await shoot('inspector-graph.png', async (page) => {
    await page.evaluate(([json]) => (window as unknown as { showInspector(t: string, s: number): Promise<void> }).showInspector(json!, 4), [trace]);
  });
  await shoot('dashboard.png', async (page) => {
    await page.evaluate(
      ([history, now]) => (window as unknown as { showDashboard(h: unknown, n: number): void }).showDashboard(history, now as number),
      [sampleHistory(), Date.parse(`${DAY}T08:00:00Z`)] as const,
    );
  });
  await browser.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
