// Helpers for the kiosk UI's browser tests: render the app from a view, reach into shadow roots,
// run axe-core, measure targets.
import { fixture, html } from '@open-wc/testing';
import type * as Axe from 'axe-core';
import type { UserEvent, View } from '../../../machines/contract/messages.ts';
import type { KaKioskApp } from '../../../kiosk/src/kiosk-app.ts';
import type { ScreenElement } from '../../../kiosk/src/screens/screen-base.ts';
import { LANGUAGES } from '../../../machines/contract/screens.ts';
import { loadLanguage } from '../../../kiosk/src/i18n.ts';
import '../../../kiosk/src/kiosk-app.ts';

/**
 * Every language's catalogue, here: the page imports all but the default one when it is wanted
 * (docs/ui.md, "Languages"), so a test that renders or reads English awaits this first. The one way
 * the browser tests get the catalogues; renderApp and settle call it.
 */
export async function languagesReady(): Promise<void> {
  for (const lang of LANGUAGES) {
    if (!(await loadLanguage(lang))) throw new Error(`the ${lang} catalogue did not load`);
  }
}

export async function renderApp(view: View): Promise<KaKioskApp> {
  await languagesReady();
  const app = await fixture<KaKioskApp>(html`<ka-kiosk-app .view=${view}></ka-kiosk-app>`);
  await settle(app);
  return app;
}

/** Waits until the app and its current screen (and their children) have rendered. */
export async function settle(app: KaKioskApp): Promise<void> {
  await languagesReady();
  await app.updateComplete;
  for (let i = 0; i < 3; i++) {
    const all = deepAll(app, '*').filter((el): el is HTMLElement & { updateComplete: Promise<unknown> } => 'updateComplete' in el);
    await Promise.all(all.map((el) => el.updateComplete));
  }
  await new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)));
}

export function screenOf(app: KaKioskApp): ScreenElement {
  const screen = app.screenElement;
  if (!screen) throw new Error('no screen rendered');
  return screen;
}

/** Every element matching `selector` in `root`'s tree, through every open shadow root. */
export function deepAll<T extends Element = HTMLElement>(root: Element | ShadowRoot | Document, selector: string): T[] {
  const found: T[] = [];
  const visit = (node: Element | ShadowRoot | Document) => {
    for (const el of node.querySelectorAll<Element>('*')) {
      if (el.matches(selector)) found.push(el as T);
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  // Not `instanceof Element`: the element may come from another frame.
  if ('shadowRoot' in root && root.shadowRoot) visit(root.shadowRoot);
  visit(root);
  return found;
}

/** The visible, enabled buttons anywhere in the app. */
export function buttonsOf(app: KaKioskApp): HTMLButtonElement[] {
  return deepAll<HTMLButtonElement>(app, 'button').filter((b) => b.getClientRects().length > 0);
}

/** The button whose accessible text (aria-label, else text) is `name`. */
export function button(app: KaKioskApp, name: string): HTMLButtonElement {
  const match = buttonsOf(app).filter((b) => accessibleName(b) === name);
  if (match.length !== 1) throw new Error(`expected one button named ${JSON.stringify(name)}, found ${match.length}`);
  return match[0] as HTMLButtonElement;
}

export function accessibleName(el: Element): string {
  const labelledBy = el.getAttribute('aria-labelledby');
  if (labelledBy) {
    const root = el.getRootNode() as ShadowRoot | Document;
    return labelledBy
      .split(/\s+/)
      .map((id) => root.getElementById(id)?.textContent?.trim() ?? '')
      .join(' ');
  }
  return (el.getAttribute('aria-label') ?? el.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** Collects the user events the app sends. */
export function recordInputs(app: KaKioskApp): UserEvent[] {
  const sent: UserEvent[] = [];
  app.addEventListener('ka-input-send', (event) => sent.push(event.detail));
  return sent;
}

type AxeGlobal = typeof Axe;

export async function axeViolations(el: Element): Promise<Axe.Result[]> {
  const w = window as unknown as { axe?: AxeGlobal };
  if (!w.axe) await import('axe-core/axe.min.js' as string);
  const axe = w.axe;
  if (!axe) throw new Error('axe-core did not load');
  const results = await axe.run(el, { resultTypes: ['violations'] });
  return results.violations;
}

export function describeViolations(violations: Axe.Result[]): string {
  return violations
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary ?? ''}`).join('\n  ')}`)
    .join('\n');
}

/** The focused element, looking through shadow roots. */
export function deepActiveElement(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

/** The topmost element at a point, looking through shadow roots. */
export function deepElementFromPoint(x: number, y: number): Element | null {
  let el = document.elementFromPoint(x, y);
  while (el?.shadowRoot) {
    const inner = el.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === el) break;
    el = inner;
  }
  return el;
}

export function center(el: Element): [number, number] {
  const r = el.getBoundingClientRect();
  return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];
}
