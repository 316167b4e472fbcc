// The kiosk page as the UI server serves it with the engine's current view (docs/ui.md, "First
// screen"): the view as a data block in the head (current-view.ts) and, when the build rendered
// that screen (kiosk/tools/first-screens.ts), its snapshot inside `<ka-kiosk-app>` as declarative
// shadow DOM, followed by the one-line script file that marks it on the page: `async`, so it holds
// no parsing, and it runs only once the parser has put the snapshot, before it, in the document. The snapshot is the
// build's, never made from the view: it carries the screen and the language and nothing else.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { ViewSchema, type View } from '../../machines/contract/index.ts';
import { LANGUAGES } from '../../machines/contract/screens.ts';
import { FIRST_SCREEN_MARK_FILE, FIRST_SCREENS_FILE, snapshotFor, type FirstScreenSnapshot } from '../../kiosk/tools/first-screens.ts';
import { initialViewBlock } from './current-view.ts';

const SnapshotsSchema = v.array(v.object({ view: ViewSchema, lang: v.picklist(LANGUAGES), title: v.string(), html: v.string() }));

/**
 * The build's snapshots, read again only when the file changes (a new release). A missing or
 * unreadable file is no snapshots: the page is served with its view only, as before.
 */
export function firstScreens(distDir: string): () => Promise<readonly FirstScreenSnapshot[]> {
  const file = join(distDir, FIRST_SCREENS_FILE);
  let kept: { mtimeMs: number; snapshots: readonly FirstScreenSnapshot[] } | undefined;
  return async () => {
    try {
      const { mtimeMs } = await stat(file);
      if (kept?.mtimeMs !== mtimeMs) {
        const parsed = v.safeParse(SnapshotsSchema, JSON.parse(await readFile(file, 'utf8')));
        kept = { mtimeMs, snapshots: parsed.success ? parsed.output : [] };
      }
      return kept.snapshots;
    } catch {
      return [];
    }
  };
}

const escapeText = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * The kiosk page as built (`page`) with `view` in it and, if given, the snapshot of its screen.
 * The page's own markup is found by its fixed tags (kiosk/tools/pages.ts); a page without them
 * gets the data block only.
 */
export function pageWithView(page: string, view: View, snapshots: readonly FirstScreenSnapshot[]): string {
  const head = page.indexOf('</head>');
  let body = head < 0 ? initialViewBlock(view) + page : `${page.slice(0, head)}${initialViewBlock(view)}\n  ${page.slice(head)}`;
  const snapshot = snapshotFor(snapshots, view);
  const open = /<ka-kiosk-app\b[^>]*>/.exec(body);
  const close = body.indexOf('</ka-kiosk-app>');
  if (snapshot === undefined || open === null || close !== open.index + open[0].length) return body;
  body = `${body.slice(0, close)}${snapshot.html}</ka-kiosk-app>\n    <script async src="./${FIRST_SCREEN_MARK_FILE}"></script>${body.slice(close + '</ka-kiosk-app>'.length)}`;
  // The document's language and title, as the app sets them for the view once it runs.
  return body
    .replace(/<html lang="[^"]*">/, () => `<html lang="${snapshot.lang}">`)
    .replace(/<title>[^<]*<\/title>/, () => `<title>${escapeText(snapshot.title)}</title>`);
}
