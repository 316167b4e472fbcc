// Component tests of the kiosk UI in real Chromium (Debian's, never a downloaded one), headless.
// `npm run test:browser`; the exit code is the truth.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { register } from 'tsx/esm/api';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './platform/chromium.mjs';

// The NATS helper plugin is TypeScript and reuses the project's nats-server launcher.
register();
const { natsPlugin } = await import('./tests/browser/support/nats-plugin.ts');
const { speechPlugin } = await import('./tests/browser/support/speech-plugin.ts');

/**
 * The kiosk's text catalogues (kiosk/src/text/*.json) are imported by code as modules, as the
 * bundler does; every other JSON (traces, config.json) stays JSON for whoever fetches it.
 */
const isTextCatalogue = (path) => path.startsWith('/kiosk/src/text/') && path.endsWith('.json');
const textCatalogues = {
  name: 'kiosk-text-catalogues',
  resolveMimeType: (context) => (isTextCatalogue(context.path) ? 'js' : undefined),
  transform: (context) => (isTextCatalogue(context.path) ? { body: jsonModule(context.body) } : undefined),
};

/** A JSON object as the bundler's JSON loader makes it a module: a default export and one per top-level key. */
function jsonModule(text) {
  const value = JSON.parse(text);
  const named = Object.keys(value)
    .filter((key) => /^[A-Za-z_$][\w$]*$/.test(key))
    .map((key) => `export const ${key} = catalogue[${JSON.stringify(key)}];`);
  return [`const catalogue = ${text};`, 'export default catalogue;', ...named].join('\n');
}

const profileDir = mkdtempSync(join(tmpdir(), 'kiosk-wtr-chromium-'));

export default {
  files: ['tests/browser/**/*.test.ts'],
  // Lit's production build, as the bundles use: the same code under test, and no dev-mode banner.
  nodeResolve: { exportConditions: ['production'] },
  rootDir: '.',
  concurrency: 1,
  plugins: [natsPlugin(process.cwd()), speechPlugin(), textCatalogues, esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' })],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: CHROMIUM_PATH,
        headless: true,
        // As the kiosk's managed policy allows (AutoplayAllowlist): speech starts on a screen change, with no touch first.
        args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required', `--user-data-dir=${profileDir}`],
      },
    }),
  ],
  testFramework: {
    config: { timeout: 20000 },
  },
};
