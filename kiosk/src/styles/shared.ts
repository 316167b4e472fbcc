// Styles every screen shares: type scale, headings, buttons, notices, the focus ring.
import { css, unsafeCSS } from 'lit';

export const base = css`
  :host {
    font-family: var(--ka-font);
    font-size: var(--ka-text-body);
    line-height: var(--ka-line);
    color: var(--ka-text);
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  h1 {
    font-size: var(--ka-text-h1);
    line-height: 1.3;
    margin: 0 0 var(--ka-space-3);
    font-weight: 700;
  }
  /* Headings take focus only so that a screen reader starts there; they are not controls. */
  h1:focus {
    outline: none;
  }
  p {
    margin: 0 0 var(--ka-space-2);
  }
  .hint {
    color: var(--ka-text-muted);
    font-size: var(--ka-text-small);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  svg.icon {
    width: 1.2em;
    height: 1.2em;
    flex: none;
    vertical-align: -0.2em;
  }
`;

export const buttons = css`
  button {
    font: inherit;
    font-size: var(--ka-text-body);
    font-weight: 700;
    min-height: var(--ka-target);
    min-width: var(--ka-target);
    padding: var(--ka-space-2) var(--ka-space-4);
    border-radius: var(--ka-radius);
    border: 3px solid var(--ka-primary);
    background: var(--ka-secondary-bg);
    color: var(--ka-secondary-text);
    cursor: pointer;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: var(--ka-space-1);
    touch-action: manipulation;
    -webkit-tap-highlight-color: transparent;
  }
  button.primary {
    background: var(--ka-primary);
    color: var(--ka-primary-text);
  }
  button.primary:active:not(:disabled) {
    background: var(--ka-primary-hover);
  }
  button:active:not(:disabled) {
    transform: translateY(1px);
  }
  button:disabled {
    border-style: dashed;
    border-color: var(--ka-border);
    background: #e5e7eb;
    color: #374151;
    cursor: default;
  }
  button:focus {
    outline: none;
  }
  button:focus-visible {
    outline: 4px solid var(--ka-focus);
    outline-offset: 3px;
    box-shadow: 0 0 0 10px var(--ka-focus-halo);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: var(--ka-space-3);
    margin-top: var(--ka-space-4);
  }
  .actions button {
    flex: 1 1 280px;
  }
`;

/** The tones a notice or a badge is shown in: the colour of its words and border, and its background. */
const TONE_COLOURS = {
  error: ['--ka-error', '--ka-error-bg'],
  success: ['--ka-success', '--ka-success-bg'],
  info: ['--ka-brand', '--ka-info-bg'],
  warning: ['--ka-warning-text', '--ka-warning-bg'],
  quiet: ['--ka-text-muted', '--ka-surface'],
} as const;

export type Tone = keyof typeof TONE_COLOURS;

/** The rules that colour `.<element>.<variant>` in each variant's tone (a notice's `error`, a badge's `help` …). */
export function tones(element: string, variants: Readonly<Record<string, Tone>>) {
  return unsafeCSS(
    Object.entries(variants)
      .map(([variant, tone]) => {
        const [colour, background] = TONE_COLOURS[tone];
        return `.${element}.${variant} { color: var(${colour}); background: var(${background}); }`;
      })
      .join('\n'),
  );
}

export const notices = css`
  .notice {
    display: flex;
    gap: var(--ka-space-2);
    align-items: flex-start;
    padding: var(--ka-space-3);
    border-radius: var(--ka-radius);
    border: 3px solid currentColor;
    margin: 0 0 var(--ka-space-3);
  }
  .notice p {
    margin: 0;
  }
  .notice p + p {
    margin-top: var(--ka-space-1);
  }
  .notice svg.icon {
    width: 44px;
    height: 44px;
  }
  ${tones('notice', { error: 'error', success: 'success', info: 'info', warning: 'warning' })}
  .notice .title {
    font-weight: 700;
  }
  .notice .body {
    color: var(--ka-text);
  }
`;
