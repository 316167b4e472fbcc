// Builds the kiosk page: `kiosk/dist/index.html` and one minified ES module, `kiosk.js`.
// `npm run build:ui` (prints the gzipped size), or `buildKiosk({ outdir })` from the static server
// and the tests.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

export const KIOSK_GZIP_BUDGET_BYTES = 80 * 1024;

export interface BuildKioskOptions {
  /** Where to write; default `kiosk/dist`. */
  outdir?: string;
  /** Keep a source map beside the bundle (default false). */
  sourcemap?: boolean;
}

export interface BuiltKiosk {
  outdir: string;
  files: string[];
  /** Size of `kiosk.js` as written and gzipped (level 9), in bytes. */
  bytes: number;
  gzipBytes: number;
}

export async function buildKiosk(options: BuildKioskOptions = {}): Promise<BuiltKiosk> {
  const outdir = resolve(options.outdir ?? join(here, 'dist'));
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: { kiosk: join(here, 'src/main.ts') },
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
  await copyFile(join(here, 'index.html'), join(outdir, 'index.html'));
  const bundle = await readFile(join(outdir, 'kiosk.js'));
  return {
    outdir,
    files: ['index.html', 'kiosk.js', ...(options.sourcemap ? ['kiosk.js.map'] : [])],
    bytes: bundle.length,
    gzipBytes: gzipSync(bundle, { level: 9 }).length,
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
  if (!within) process.exitCode = 1;
}
