// The engine's current View as the UI server embedded it in the page (a JSON data block, never
// run: docs/ui.md, "First screen"), so that the kiosk shows its current screen before the websocket
// connects. Checked against the contract's schema like any view off the wire; a missing or bad
// block is no view, and the page waits for the websocket as before.
import { decode, INITIAL_VIEW_ELEMENT_ID, ViewSchema, type View } from '../../machines/contract/messages.ts';

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
