// Builds the kiosk page: `kiosk/dist/index.html` and one minified ES module, `kiosk.js`; and
// beside it the staff console (`staff.html`, `staff.js`), the inspector (`inspector.html`,
// `inspector.js`) and the office dashboard (`dashboard.html`, `dashboard.js`), each its own bundle
// so that the kiosk page carries none of their code. The pages are written from the table in
// `pages.ts`. Then the kiosk's first screens as HTML, rendered by the bundle just built
// (first-screens-render.ts), for the UI server to put in the page (docs/ui.md, "First screen").
// `npm run build:ui` (prints the gzipped sizes), or `buildKiosk({ outdir })` from the static server
// and the tests.
import { build, type Plugin } from 'esbuild';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pageHtml, PAGES } from './pages.ts';
import { buildSpeech, type BuiltSpeech } from './speech.ts';
import { FIRST_SCREEN_MARK_FILE, FIRST_SCREENS_FILE } from './first-screens.ts';
import { renderFirstScreens } from './first-screens-render.ts';

/** The kiosk/ folder: the pages' entry points. */
const here = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The kiosk page's budget: the build fails over it (docs/benchmarks.md). The page carries only the
 * default language's words; English is its own module, loaded when chosen (catalogueModules).
 */
export const KIOSK_GZIP_BUDGET_BYTES = 60 * 1024;

export interface BuildKioskOptions {
  /** Where to write; default `kiosk/dist`. */
  outdir?: string;
  /** Keep a source map beside the bundle (default false). */
  sourcemap?: boolean;
  /** The kiosk page's gzipped budget in bytes; default (and in every real build) `KIOSK_GZIP_BUDGET_BYTES`. */
  kioskBudgetBytes?: number;
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
  /** The catalogues loaded when their language is chosen (`text/<lang>.js`), by file. */
  catalogues: Record<string, BundleSize>;
  /** The spoken guidance beside the pages, in `speech/` (kiosk/tools/speech.ts). */
  speech: Omit<BuiltSpeech, 'index'>;
  /** The first screens as HTML (`first-screens.json`): how many, and the file's size in bytes. */
  firstScreens: { snapshots: number; bytes: number };
}

/**
 * The office dashboard is opened on ordinary office PCs: the kiosk page's budget plus 8 KB, for
 * its funnel per path and its JetStream consumer (docs/dashboard.md, "Code and build").
 */
export const DASHBOARD_GZIP_BUDGET_BYTES = KIOSK_GZIP_BUDGET_BYTES + 8 * 1024;

/** Thrown by a build whose kiosk page or dashboard is over its gzipped budget. */
export class OverBudgetError extends Error {}

/**
 * What stands in for nats-core's nkey signing in the pages. Every page logs in with a user and
 * password from /config.json (services/ui); none signs a nonce with an nkey or a JWT. nats-core
 * still imports its nkeys module (and through it @nats-io/nkeys and tweetnacl, about 15 KB
 * gzipped) for its nkey, JWT and creds authenticators, so the pages' bundles get this module in
 * its place: were an nkey login ever configured, the connect fails with this error, never signs
 * wrongly.
 */
export const NKEYS_LEFT_OUT = 'nkey and JWT logins are left out of the browser pages (kiosk/tools/build.ts); log in with a user and password';
const NKEYS_STAND_IN = `const refuse = () => { throw new Error(${JSON.stringify(NKEYS_LEFT_OUT)}); };
export const nkeys = new Proxy({}, { get: refuse, apply: refuse });`;

/**
 * Two more of nats-core's modules come in only through its CommonJS index, which esbuild cannot
 * tree-shake, and no page runs them: the benchmark helpers (lib/bench.js, `Bench` and `Metric`)
 * and JetStream's idle-heartbeat monitor (lib/idleheartbeat_monitor.js; no page uses JetStream).
 * Each stand-in's class throws if it is ever constructed.
 */
export const MODULE_LEFT_OUT = 'this NATS module is left out of the browser pages (kiosk/tools/build.ts)';
const throwingClasses = (...names: string[]) =>
  `class LeftOut { constructor() { throw new Error(${JSON.stringify(MODULE_LEFT_OUT)}); } }
export { ${names.map((name) => `LeftOut as ${name}`).join(', ')} };`;

/** nats-core's own modules (lib/<name>.js) the pages never run, each with its stand-in. */
const LEFT_OUT_NATS_CORE_MODULES: Record<string, string> = {
  nkeys: NKEYS_STAND_IN,
  bench: throwingClasses('Bench', 'Metric'),
  idleheartbeat_monitor: throwingClasses('IdleHeartbeatMonitor'),
};

/** Replaces the modules above, when nats-core's lib imports them, with their stand-ins. */
const leaveOutNatsCoreModules: Plugin = {
  name: 'leave-out-nats-core-modules',
  setup(pluginBuild) {
    const names = Object.keys(LEFT_OUT_NATS_CORE_MODULES).join('|');
    pluginBuild.onResolve({ filter: new RegExp(`^\\./(${names})$`) }, (args) =>
      /[/\\]@nats-io[/\\]nats-core[/\\]lib$/.test(args.resolveDir)
        ? { path: args.path.slice(2), namespace: 'left-out' }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      contents: LEFT_OUT_NATS_CORE_MODULES[args.path] ?? '',
      loader: 'js',
    }));
  },
};

/**
 * The kiosk's catalogues other than the default language's (kiosk/src/i18n.ts imports each only when
 * it is wanted): each import stays an import, of `text/<lang>.js` beside the bundle, and the build
 * writes that module from the catalogue. The page's bundle carries the default language's words
 * only; the page loads another from its own origin (`script-src 'self'`), nothing else allowed.
 */
function catalogueModules(written: Set<string>): Plugin {
  return {
    name: 'catalogue-modules',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\.\/text\/[\w-]+\.json$/ }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const file = join(args.resolveDir, args.path);
        written.add(file);
        return { path: `./${CATALOGUE_DIR}/${basename(file, '.json')}.js`, external: true };
      });
    },
  };
}

/** Where the catalogue modules go, beside the bundles. */
export const CATALOGUE_DIR = 'text';

/** Each catalogue as an ES module with the JSON as its default export, minified. */
async function writeCatalogueModules(files: Set<string>, outdir: string): Promise<string[]> {
  await mkdir(join(outdir, CATALOGUE_DIR), { recursive: true });
  const names: string[] = [];
  for (const file of files) {
    const name = `${CATALOGUE_DIR}/${basename(file, '.json')}.js`;
    const catalogue: unknown = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(join(outdir, name), `export default ${JSON.stringify(catalogue)};\n`);
    names.push(name);
  }
  return names.sort();
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function sizeOf(file: string): Promise<BundleSize> {
  const bundle = await readFile(file);
  return { bytes: bundle.length, gzipBytes: gzipSync(bundle, { level: 9 }).length };
}

export async function buildKiosk(options: BuildKioskOptions = {}): Promise<BuiltKiosk> {
  const outdir = resolve(options.outdir ?? join(here, 'dist'));
  await mkdir(outdir, { recursive: true });
  const pages = Object.values(PAGES);
  // One entry per bundle and no code splitting: each page loads exactly one module of its own (and
  // the kiosk page a second language's catalogue when it is chosen).
  const catalogues = new Set<string>();
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
    plugins: [leaveOutNatsCoreModules, catalogueModules(catalogues)],
  });
  const catalogueFiles = await writeCatalogueModules(catalogues, outdir);
  for (const page of pages) await writeFile(join(outdir, page.file), pageHtml(page));
  const { index: _index, ...speech } = await buildSpeech({ outdir });
  const bundles = pages.map((page) => page.bundle);
  const kiosk = await sizeOf(join(outdir, 'kiosk.js'));
  const dashboard = await sizeOf(join(outdir, 'dashboard.js'));
  // Over budget is a failed build, not a warning: the page a kiosk loads on every start stays small.
  const kioskBudget = options.kioskBudgetBytes ?? KIOSK_GZIP_BUDGET_BYTES;
  if (kiosk.gzipBytes > kioskBudget) {
    throw new OverBudgetError(`kiosk.js is ${kb(kiosk.gzipBytes)} gzipped, over its budget of ${kb(kioskBudget)}`);
  }
  if (dashboard.gzipBytes > DASHBOARD_GZIP_BUDGET_BYTES) {
    throw new OverBudgetError(`dashboard.js is ${kb(dashboard.gzipBytes)} gzipped, over its budget of ${kb(DASHBOARD_GZIP_BUDGET_BYTES)}`);
  }
  const firstScreens = await renderFirstScreens(outdir);
  return {
    outdir,
    files: [
      ...pages.map((page) => page.file),
      ...bundles.map((name) => `${name}.js`),
      ...(options.sourcemap ? bundles.map((name) => `${name}.js.map`) : []),
      ...catalogueFiles,
      FIRST_SCREENS_FILE,
      FIRST_SCREEN_MARK_FILE,
    ],
    catalogues: Object.fromEntries(await Promise.all(catalogueFiles.map(async (name) => [name, await sizeOf(join(outdir, name))] as const))),
    ...kiosk,
    consoles: {
      staff: await sizeOf(join(outdir, 'staff.js')),
      inspector: await sizeOf(join(outdir, 'inspector.js')),
      dashboard,
    },
    speech,
    firstScreens,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2];
  try {
    const built = await buildKiosk(outdir ? { outdir } : {});
    console.log(`kiosk: ${join(built.outdir, 'kiosk.js')} ${kb(built.bytes)} minified, ${kb(built.gzipBytes)} gzipped (budget ${kb(KIOSK_GZIP_BUDGET_BYTES)})`);
    for (const [name, size] of Object.entries(built.consoles)) {
      const budget = name === 'dashboard' ? ` (budget ${kb(DASHBOARD_GZIP_BUDGET_BYTES)})` : '';
      console.log(`${name}: ${join(built.outdir, `${name}.js`)} ${kb(size.bytes)} minified, ${kb(size.gzipBytes)} gzipped${budget}`);
    }
    for (const [name, size] of Object.entries(built.catalogues)) {
      console.log(`catalogue: ${join(built.outdir, name)} ${kb(size.bytes)} minified, ${kb(size.gzipBytes)} gzipped (loaded when chosen)`);
    }
    console.log(`first screens: ${join(built.outdir, FIRST_SCREENS_FILE)} ${built.firstScreens.snapshots} snapshots, ${kb(built.firstScreens.bytes)}`);
    console.log(`speech: ${join(built.outdir, 'speech')} ${built.speech.files} files, ${kb(built.speech.bytes)} (${built.speech.synthesized} made now)`);
  } catch (error) {
    if (!(error instanceof OverBudgetError)) throw error;
    console.error(`build:ui: ${error.message}`);
    process.exitCode = 1;
  }
}
