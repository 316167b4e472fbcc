// The pages the build writes from one table (kiosk/tools/pages.ts): each loads its own bundle as
// its only script, from a file (the UI server's content security policy refuses inline script),
// and is the page of its app element, reading its own config; the preview page reads none.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAGES, pageHtml, previewHtml } from '../../kiosk/tools/pages.ts';

const kioskDir = join(import.meta.dirname, '..', '..', 'kiosk');

describe('the pages the build writes', () => {
  it('one page per bundle, each file and entry its own, every entry present', () => {
    const pages = Object.values(PAGES);
    expect(new Set(pages.map((page) => page.bundle)).size).toBe(pages.length);
    expect(new Set(pages.map((page) => page.file)).size).toBe(pages.length);
    for (const page of pages) expect(existsSync(join(kioskDir, page.entry)), page.entry).toBe(true);
  });

  it.each(Object.entries(PAGES))('%s: its bundle as the only script, from a file, around its element and config', (_name, page) => {
    const html = pageHtml(page);
    expect(html.match(/<script\b[^>]*>/g)).toEqual([`<script type="module" src="./${page.bundle}.js">`]);
    expect(html).toContain(`<${page.element} config-url="${page.configUrl}"></${page.element}>`);
    expect(html).toContain(`<title>${page.title}</title>`);
    expect(html).toContain('<html lang="zh-TW">');
  });

  it('only the kiosk page keeps the page itself from scrolling', () => {
    const locked = Object.entries(PAGES).filter(([, page]) => pageHtml(page).includes('overflow: hidden'));
    expect(locked.map(([name]) => name)).toEqual(['kiosk']);
  });

  it('the preview page is the same page without a config: its app connects to nothing', () => {
    const preview = previewHtml(PAGES.kiosk);
    expect(preview).not.toContain('config-url');
    expect(preview).toBe(pageHtml(PAGES.kiosk).replace(' config-url="/config.json"', ''));
  });
});
