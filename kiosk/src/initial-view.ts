// The engine's current View as the UI server embedded it in the page (a JSON data block, never
// run: docs/ui.md, "First screen"), so that the kiosk shows its current screen before the websocket
// connects. Checked against the contract's schema like any view off the wire; a missing or bad
// block is no view, and the page waits for the websocket as before.
import { decode, INITIAL_VIEW_ELEMENT_ID, ViewSchema, type View } from '../../machines/contract/messages.ts';

/**
 * The page's performance marks (docs/ui.md, "First screen"; read by the UI benchmark and open to
 * any monitoring). `ka-first-screen`: the first screen is on the page — the server's snapshot, by
 * the script file placed right after it, or else the app's own first rendered screen.
 * `ka-interactive`: the app has rendered a view and its websocket is up, so a tap reaches the engine.
 */
export const FIRST_SCREEN_MARK = 'ka-first-screen';
export const INTERACTIVE_MARK = 'ka-interactive';

export function initialViewOf(doc: Document): View | undefined {
  const text = doc.getElementById(INITIAL_VIEW_ELEMENT_ID)?.textContent;
  if (!text) return undefined;
  try {
    const decoded = decode(ViewSchema, JSON.parse(text));
    return decoded.ok ? decoded.value : undefined;
  } catch {
    return undefined;
  }
}
