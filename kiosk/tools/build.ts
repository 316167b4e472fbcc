// Builds the kiosk page: `kiosk/dist/index.html` and one minified ES module, `kiosk.js`; and
// beside it the staff console (`staff.html`, `staff.js`), the inspector (`inspector.html`,
// `inspector.js`) and the office dashboard (`dashboard.html`, `dashboard.js`), each its own bundle
// so that the kiosk page carries none of their code. The pages are written from the table in
// `pages.ts`. `npm run build:ui` (prints the gzipped sizes), or `buildKiosk({ outdir })` from the
// static server and the tests.
import { build } from 'esbuild';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pageHtml, PAGES } from './pages.ts';
import { buildSpeech, type BuiltSpeech } from './speech.ts';

/** The kiosk/ folder: the pages' entry points. */
const here = join(dirname(fileURLToPath(import.meta.url)), '..');

export const KIOSK_GZIP_BUDGET_BYTES = 80 * 1024;

export interface BuildKioskOptions {
  /** Where to write; default `kiosk/dist`. */
  outdir?: string;
  /** Keep a source map beside the bundle (default false). */
  sourcemap?: boolean;
}

export interface BundleSize {
  /** As written, in bytes. */
  bytes: number;
  /** Gzipped (level 9), in bytes. */
  gzipBytes: number;
}

export interface BuiltKiosk extends BundleSize {
  outdir: string;
  files: string[];
  /** `bytes` and `gzipBytes` above are the kiosk page's (`kiosk.js`); these are the consoles'. */
  consoles: { staff: BundleSize; inspector: BundleSize; dashboard: BundleSize };
  /** The spoken guidance beside the pages, in `speech/` (kiosk/tools/speech.ts). */
  speech: Omit<BuiltSpeech, 'index'>;
}

/**
 * The office dashboard is opened on ordinary office PCs: the kiosk page's budget plus 2 KB, which
 * the funnel per path took it past (docs/dashboard.md, "Code and build").
 */
export const DASHBOARD_GZIP_BUDGET_BYTES = KIOSK_GZIP_BUDGET_BYTES + 2 * 1024;

async function sizeOf(file: string): Promise<BundleSize> {
  const bundle = await readFile(file);
  return { bytes: bundle.length, gzipBytes: gzipSync(bundle, { level: 9 }).length };
}

export async function buildKiosk(options: BuildKioskOptions = {}): Promise<BuiltKiosk> {
  const outdir = resolve(options.outdir ?? join(here, 'dist'));
  await mkdir(outdir, { recursive: true });
  const pages = Object.values(PAGES);
  // One entry per bundle and no code splitting: each page loads exactly one module of its own.
  await build({
    entryPoints: Object.fromEntries(pages.map((page) => [page.bundle, join(here, page.entry)])),
    outdir,
    bundle: true,
    format: 'esm',
    target: 'chrome120',
    minify: true,
    sourcemap: options.sourcemap ?? false,
    legalComments: 'none',
    charset: 'utf8',
    tsconfig: join(here, '..', 'tsconfig.json'),
    define: { 'process.env.NODE_ENV': '"production"' },
    conditions: ['production'],
    logLevel: 'warning',
  });
  for (const page of pages) await writeFile(join(outdir, page.file), pageHtml(page));
  const { index: _index, ...speech } = await buildSpeech({ outdir });
  const bundles = pages.map((page) => page.bundle);
  return {
    outdir,
    files: [
      ...pages.map((page) => page.file),
      ...bundles.map((name) => `${name}.js`),
      ...(options.sourcemap ? bundles.map((name) => `${name}.js.map`) : []),
    ],
    ...(await sizeOf(join(outdir, 'kiosk.js'))),
    consoles: {
      staff: await sizeOf(join(outdir, 'staff.js')),
      inspector: await sizeOf(join(outdir, 'inspector.js')),
      dashboard: await sizeOf(join(outdir, 'dashboard.js')),
    },
    speech,
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2];
  const built = await buildKiosk(outdir ? { outdir } : {});
  const within = built.gzipBytes <= KIOSK_GZIP_BUDGET_BYTES;
  console.log(
    `kiosk: ${join(built.outdir, 'kiosk.js')} ${kb(built.bytes)} minified, ${kb(built.gzipBytes)} gzipped ` +
      `(budget ${kb(KIOSK_GZIP_BUDGET_BYTES)}: ${within ? 'within' : 'OVER'})`,
  );
  const dashboardWithin = built.consoles.dashboard.gzipBytes <= DASHBOARD_GZIP_BUDGET_BYTES;
  for (const [name, size] of Object.entries(built.consoles)) {
    const budget = name === 'dashboard' ? ` (budget ${kb(DASHBOARD_GZIP_BUDGET_BYTES)}: ${dashboardWithin ? 'within' : 'OVER'})` : '';
    console.log(`${name}: ${join(built.outdir, `${name}.js`)} ${kb(size.bytes)} minified, ${kb(size.gzipBytes)} gzipped${budget}`);
  }
  console.log(`speech: ${join(built.outdir, 'speech')} ${built.speech.files} files, ${kb(built.speech.bytes)} (${built.speech.synthesized} made now)`);
  if (!within || !dashboardWithin) process.exitCode = 1;
}
