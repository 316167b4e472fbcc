// The kiosk's current view as the UI server knows it, so that the page it serves can show the
// current screen before its websocket connects (docs/ui.md, "First screen"). The engine's view is
// secret-free by design (docs/contract.md, "Extensions (compatible: new optional fields and new subjects)"): the server keeps exactly what the engine
// published on `kiosk.<id>.view` (or answered on `view.get` at start), checked against the
// contract's schema, and nothing else.
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { decodeJson, INITIAL_VIEW_ELEMENT_ID, kioskSubjects, ViewSchema, type View } from '../../machines/contract/index.ts';

export interface CurrentView {
  /** The newest view heard from the engine; undefined until one came. */
  current(): View | undefined;
  stop(): void;
}

/**
 * Follows `kiosk.<kioskId>.view` and asks `view.get` once at start. Both come from the engine's one
 * connection, so they arrive in the order it sent them: the last one received is the current one.
 */
export async function followCurrentView(nc: NatsConnection, kioskId: string, options: { requestTimeoutMs?: number } = {}): Promise<CurrentView> {
  const subjects = kioskSubjects(kioskId);
  let latest: View | undefined;
  const take = (data: Uint8Array): View | undefined => {
    const decoded = decodeJson(ViewSchema, data);
    return decoded.ok ? decoded.value : undefined;
  };
  const subscription: Subscription = nc.subscribe(subjects.view, {
    callback: (error, msg) => {
      if (error) return;
      const view = take(msg.data);
      if (view === undefined) return;
      latest = view;
    },
  });
  await nc.flush();
  // No engine yet is no error: its first published view arrives on the subscription.
  void nc.request(subjects.viewGet, undefined, { timeout: options.requestTimeoutMs ?? 3000 }).then(
    (reply) => {
      const view = take(reply.data);
      if (view !== undefined) latest = view;
    },
    () => undefined,
  );
  return {
    current: () => latest,
    stop: () => subscription.unsubscribe(),
  };
}

/**
 * The current view as a data block for the kiosk page: `<script type="application/json">`, which
 * the browser never runs (so the content security policy's `script-src 'self'` holds) and the page
 * reads by its id. `<` is escaped so that no text in the view can close the element.
 */
export function initialViewBlock(view: View): string {
  const json = JSON.stringify(view).replaceAll('<', '\\u003c');
  return `<script type="application/json" id="${INITIAL_VIEW_ELEMENT_ID}">${json}</script>`;
}
