// `npm run build`: the release. Each part of the stack becomes one JavaScript bundle in dist/ (its
// npm packages stay imports, installed with `npm ci --omit=dev`), the PKCS#11 workers beside the
// card agent's bundle, the operator's commands (cards, staff, audit) and the browser pages
// prebuilt into dist/ui. Production units run `node dist/<part>.mjs`, the operator
// `node dist/<command>.mjs` (docs/deployment.md, "The release"); nothing on a kiosk compiles.
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildKiosk } from '../kiosk/tools/build.ts';
import { BUILT_PARTS, PARTS, type Part } from '../services/serve.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST_DIR = join(root, 'dist');

/** Entry points beside the parts: the workers a bundle starts by file name. */
const WORKERS = {
  'pkcs11.worker': 'card/token/pkcs11.worker.ts',
  'pkcs11-demo.worker': 'card/demo/pkcs11-demo.worker.ts',
} as const;

/**
 * The operator's commands on a hub node, bundled like the parts (`node dist/cards.mjs …`, docs/
 * deployment.md "Operator commands"): the release has no TypeScript loader and no `npm run`.
 */
export const COMMANDS = {
  cards: 'services/registry/cards-cli.ts',
  staff: 'services/staff-auth/staff-cli.ts',
  audit: 'services/registry/audit-cli.ts',
} as const;

export async function buildRelease(outdir = DIST_DIR): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
  const entryPoints: Record<string, string> = { ...WORKERS };
  for (const [name, source] of Object.entries(COMMANDS)) entryPoints[name] = join(root, source);
  for (const part of Object.keys(PARTS) as Part[]) {
    entryPoints[BUILT_PARTS[part].replace(/^dist\//, '').replace(/\.mjs$/, '')] = join(root, PARTS[part]);
  }
  await build({
    entryPoints,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // npm packages are imported at run time from node_modules (native ones cannot be bundled).
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  await buildKiosk({ outdir: join(outdir, 'ui') });
}

if (process.argv[1] && process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildRelease();
  console.log(`built ${Object.keys(PARTS).length} parts, ${Object.keys(COMMANDS).length} operator commands and the UI into ${DIST_DIR}`);
}
