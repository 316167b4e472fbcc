// Styles of the staff console and the inspector: the kiosk's design tokens and shared styles
// (colours, font, focus ring, buttons, notices), with the tokens' desk sizes (type scale, spacing,
// targets) for a desk screen used with a mouse and keyboard instead of a touchscreen at arm's length.
import { css } from 'lit';
import { base, buttons, notices, tones } from '../src/styles/shared.ts';
import { deskSizes, tokens } from '../src/styles/tokens.ts';

/** What only the consoles use, beside the desk sizes of the tokens. */
const deskExtras = css`
  :host {
    --ka-mono-size: 13px;
    --ka-highlight-bg: #fff4d6;
    --ka-active-bg: #e8f0fa;
  }
`;

const parts = css`
  button {
    border-width: 2px;
    padding: var(--ka-space-1) var(--ka-space-4);
  }
  button.danger {
    border-color: var(--ka-error);
    color: var(--ka-error);
  }
  button.danger.primary {
    background: var(--ka-error);
    color: #ffffff;
  }
  .notice {
    border-width: 2px;
    padding: var(--ka-space-2) var(--ka-space-3);
  }
  .notice svg.icon {
    width: 24px;
    height: 24px;
  }
  h2 {
    font-size: var(--ka-text-large);
    margin: 0 0 var(--ka-space-2);
  }
  h3 {
    font-size: var(--ka-text-body);
    margin: var(--ka-space-3) 0 var(--ka-space-2);
  }
  code,
  .mono {
    font-family: var(--ka-font-mono);
    font-size: var(--ka-mono-size);
  }
  .badge {
    display: inline-flex;
    align-items: center;
    gap: var(--ka-space-1);
    padding: 1px var(--ka-space-2);
    border: 2px solid currentColor;
    border-radius: 999px;
    font-size: var(--ka-text-small);
    font-weight: 700;
    white-space: nowrap;
    line-height: 1.4;
  }
  .badge svg.icon {
    width: 1em;
    height: 1em;
  }
  ${tones('badge', { help: 'error', busy: 'info', quiet: 'quiet', ok: 'success' })}
  /* A console's table (a card's history, a state's transitions): compact rows with a thin rule. */
  table {
    border-collapse: collapse;
    width: 100%;
    font-size: var(--ka-text-small);
  }
  th,
  td {
    text-align: left;
    padding: 2px var(--ka-space-2);
    border-bottom: 1px solid #c7ced8;
    vertical-align: top;
  }
  th {
    color: var(--ka-text-muted);
  }
  dl.facts {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 2px var(--ka-space-3);
    margin: 0;
  }
  dl.facts dt {
    color: var(--ka-text-muted);
  }
  dl.facts dd {
    margin: 0;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  input[type='text'],
  select {
    font: inherit;
    min-height: var(--ka-target);
    padding: var(--ka-space-1) var(--ka-space-2);
    border: 2px solid var(--ka-border);
    border-radius: var(--ka-radius);
    background: var(--ka-surface);
    color: var(--ka-text);
  }
  input[type='text']:focus-visible,
  select:focus-visible {
    outline: 3px solid var(--ka-focus);
    outline-offset: 2px;
    box-shadow: 0 0 0 6px var(--ka-focus-halo);
  }
`;

/** Everything a console element starts its `styles` with. */
export const consoleStyles = [tokens, deskSizes, deskExtras, base, buttons, notices, parts];

/** A console page's frame: full height, the brand header bar with the title on the left. */
export const consolePageStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    height: 100vh;
    background: var(--ka-bg);
  }
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--ka-space-3);
    padding: var(--ka-space-2) var(--ka-space-5);
    background: var(--ka-brand);
    color: var(--ka-brand-text);
  }
  header h1 {
    font-size: var(--ka-text-h1);
    margin: 0 auto 0 0;
  }
`;
