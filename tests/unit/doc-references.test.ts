// Every file a comment or a doc names exists, and every section it names by its title is there:
// a pointer to a renamed file or a rewritten section sends the next reader nowhere. A section is a
// Markdown heading or a bold paragraph lead (`**Taking a kiosk out**`), and is named as
// `docs/<file>.md, "<title>"` (the way the project cites its docs).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', '.data', '.git', 'coverage']);
const SCANNED = /\.(ts|mjs|md|json|service)$/;
const NOT_SCANNED = new Set(['package-lock.json']);

/** A project path with a file extension, not inside a longer path or word. */
const FILE_REFERENCE =
  /(?<![\w./<>*{}-])((?:docs|platform|services|card|kiosk|machines|tests|deploy)\/[\w./@-]+\.(?:md|ts|mjs|json|svg|png|conf|service|example))(?![\w*<>{}-])/g;
const SECTION_REFERENCE = /(docs\/[\w-]+\.md),?\s*["“]([^"”\n]{3,100})["”]/g;

function projectFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return SKIPPED_FOLDERS.has(entry.name) ? [] : projectFiles(path);
    return entry.isFile() && SCANNED.test(entry.name) && !NOT_SCANNED.has(entry.name) ? [path] : [];
  });
}

function sectionTitles(markdown: string): string[] {
  const headings = [...markdown.matchAll(/^#+\s+(.+)$/gm)].map((match) => match[1] ?? '');
  const boldLeads = [...markdown.matchAll(/^(?:[-*]\s+)?\*\*([^*]+)\*\*/gm)].map((match) => match[1] ?? '');
  return [...headings, ...boldLeads].map((title) => title.toLowerCase());
}

describe('references to the project’s own files and docs', () => {
  const files = projectFiles(root);
  const texts = new Map(files.map((file) => [relative(root, file), readFileSync(file, 'utf8')]));

  it('name files that exist', () => {
    const missing: string[] = [];
    for (const [file, text] of texts) {
      for (const [, reference] of text.matchAll(FILE_REFERENCE)) {
        const path = (reference ?? '').replace(/\.$/, '');
        if (!existsSync(join(root, path))) missing.push(`${file} → ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('name sections that exist', () => {
    const missing: string[] = [];
    for (const [file, text] of texts) {
      for (const [, doc, title] of text.matchAll(SECTION_REFERENCE)) {
        const target = texts.get(doc ?? '');
        if (target === undefined) continue; // a missing file is the other test's finding
        const wanted = (title ?? '').toLowerCase().replace(/[.:]$/, '');
        if (!sectionTitles(target).some((section) => section.includes(wanted))) missing.push(`${file} → ${doc}, "${title}"`);
      }
    }
    expect(missing).toEqual([]);
  });
});
