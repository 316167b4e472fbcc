// The kiosk's first screens as HTML (docs/ui.md, "First screen"): which views get a snapshot, the
// file the build writes them to, and the rule by which the UI server picks one for the view it
// serves. Pure data and functions: the UI server imports this module at run time (the release
// has no browser library), the rendering itself is first-screens-render.ts, run by the build.
import type { View } from '../../machines/contract/messages.ts';
import type { Language } from '../../machines/contract/screens.ts';
import { FIRST_SCREEN_MARK } from '../src/initial-view.ts';

/** The snapshots, beside the pages in the build's folder. */
export const FIRST_SCREENS_FILE = 'first-screens.json';

/**
 * A classic script file of one line, placed right after a served snapshot (`async`: it runs once
 * the parser has put the snapshot in the document, and holds no parsing): it marks the moment the
 * first screen is on the page (`ka-first-screen`). The content security policy allows it as
 * `'self'`; an inline script it would refuse. Named after its mark, its content can never change
 * under its name, so the UI server lets the browser keep it (no request on the next load).
 */
export const FIRST_SCREEN_MARK_FILE = `${FIRST_SCREEN_MARK}.js`;
/** Marks once: should the app have drawn before this async file ran, its own mark stands. */
export const FIRST_SCREEN_MARK_SCRIPT = `if (performance.getEntriesByName(${JSON.stringify(FIRST_SCREEN_MARK)}, 'mark').length === 0) performance.mark(${JSON.stringify(FIRST_SCREEN_MARK)});\n`;

export interface FirstScreenSnapshot {
  /** The view it was rendered from (kiosk id and seq are the build's own, never a kiosk's). */
  view: View;
  /** `document.documentElement.lang` and `document.title` as the app set them for that view. */
  lang: Language;
  title: string;
  /** The inside of `<ka-kiosk-app>`: its shadow root and every one below it, declarative, with their styles. */
  html: string;
}

/** JSON with object keys sorted, so that two equal values give one string whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What of a view a snapshot screen shows: everything the page reads (docs/ui.md) except `busy`
 * (a served view is shown busy until the websocket is up), `deadline` (none of the snapshot
 * screens shows a countdown), `autoSpeech` (it speaks, it draws nothing) and what the page never
 * shows (`kioskId`, `seq`, `state`).
 */
function snapshotKey(view: View): string {
  const { screen, lang, step, accepts, error, card, path, returnScreen } = view;
  return canonical({ screen, lang, step, accepts, error, card, path, returnScreen });
}

/**
 * The snapshot to serve for a view: the one rendered from a view that shows the same, and only for
 * a view that carries nothing of a session (no card, no path). None: the page without a snapshot.
 */
export function snapshotFor(snapshots: readonly FirstScreenSnapshot[], view: View): FirstScreenSnapshot | undefined {
  if (view.card !== undefined || view.path !== undefined) return undefined;
  const key = snapshotKey(view);
  return snapshots.find((snapshot) => snapshotKey(snapshot.view) === key);
}
