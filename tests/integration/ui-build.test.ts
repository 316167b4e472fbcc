// The pages' build (kiosk/tools/build.ts) for real with esbuild: the kiosk page within its 60 KB
// gzipped budget (docs/benchmarks.md) with only the default language's words in it, nkey signing
// (nkeys, tweetnacl) left out of every page, and a build over budget failing rather than warning.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../kiosk/src/i18n.ts';
import { buildKiosk, DASHBOARD_GZIP_BUDGET_BYTES, KIOSK_GZIP_BUDGET_BYTES, NKEYS_LEFT_OUT, OverBudgetError, type BuiltKiosk } from '../../kiosk/tools/build.ts';

describe('the pages build', () => {
  let dir: string;
  let built: BuiltKiosk;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ui-build-'));
    built = await buildKiosk({ outdir: join(dir, 'dist') });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the kiosk page within 60 KB gzipped, and the dashboard within its own budget', () => {
    expect(KIOSK_GZIP_BUDGET_BYTES).toBe(60 * 1024);
    expect(built.gzipBytes).toBeLessThanOrEqual(60 * 1024);
    expect(built.consoles.dashboard.gzipBytes).toBeLessThanOrEqual(DASHBOARD_GZIP_BUDGET_BYTES);
  });

  it('leaves nkey signing out of every page: no tweetnacl, no @nats-io/nkeys, the stand-in that refuses', async () => {
    for (const bundle of ['kiosk', 'staff', 'inspector', 'dashboard']) {
      const code = await readFile(join(built.outdir, `${bundle}.js`), 'utf8');
      // tweetnacl's and nkeys' own error texts: present in any bundle that carries them.
      expect(code, bundle).not.toContain('bad public key size');
      expect(code, bundle).not.toContain('invalid prefix byte');
      expect(code, bundle).toContain(NKEYS_LEFT_OUT);
    }
  });

  it("carries the default language's words only: English is a module of its own beside the page", async () => {
    const [en, zh] = [await loadCatalogue('en'), await loadCatalogue('zh-TW')];
    const kiosk = await readFile(join(built.outdir, 'kiosk.js'), 'utf8');
    expect(kiosk).toContain(zh.screens.insertCard.title);
    for (const english of [en.screens.insertCard.title, en.product, en.remedies.staff]) expect(kiosk).not.toContain(english);
    expect(built.files).toContain('text/en.js');
    const module = await readFile(join(built.outdir, 'text', 'en.js'), 'utf8');
    expect(module).toContain(en.screens.insertCard.title);
    expect(Object.keys(built.catalogues)).toEqual(['text/en.js']);
  });

  it('fails a build over the budget instead of writing a warning', async () => {
    await expect(buildKiosk({ outdir: join(dir, 'over'), kioskBudgetBytes: built.gzipBytes - 1 })).rejects.toBeInstanceOf(OverBudgetError);
  });
});
