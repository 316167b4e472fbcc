// The design tokens of the kiosk UI, in one place. Every component includes them so that it looks
// right alone (tests, screenshots) as well as inside the app. Colours are chosen for contrast:
// text ≥ 7:1 on its background, every control edge ≥ 3:1, the focus ring visible on any surface.
// The sizes depend on the screen: the kiosk's touchscreen, read at arm's length, or the desk screen
// of the consoles, used with a mouse and keyboard; one table holds both.
import { css, unsafeCSS } from 'lit';

type Screen = 'touchscreen' | 'desk';

/**
 * Each size as [custom property, touchscreen, desk]. WCAG 2.5.5 (enhanced) asks for 44 px targets,
 * which the desk keeps also for a mouse; the product asks for at least 64 px on the touchscreen.
 */
const SCREEN_SIZES: readonly (readonly [property: string, touchscreen: string, desk: string])[] = [
  ['--ka-text-body', '28px', '16px'],
  ['--ka-text-small', '24px', '14px'],
  ['--ka-text-large', '34px', '19px'],
  ['--ka-text-h1', '46px', '22px'],
  ['--ka-line', '1.5', '1.45'],
  ['--ka-space-1', '8px', '4px'],
  ['--ka-space-2', '16px', '8px'],
  ['--ka-space-3', '24px', '12px'],
  ['--ka-space-4', '32px', '16px'],
  ['--ka-space-5', '48px', '24px'],
  ['--ka-radius', '12px', '8px'],
  ['--ka-target', '80px', '44px'],
  ['--ka-target-min', '64px', '44px'],
];

/** The declarations of one screen's sizes; the values are the constants above, never input. */
function sizesFor(screen: Screen) {
  const declarations = SCREEN_SIZES.map(([property, touchscreen, desk]) => `${property}: ${screen === 'desk' ? desk : touchscreen};`);
  return unsafeCSS(declarations.join('\n'));
}

export const tokens = css`
  :host {
    --ka-font: 'Noto Sans CJK TC', 'Noto Sans TC', 'Microsoft JhengHei', 'PingFang TC', 'Heiti TC',
      system-ui, sans-serif;
    --ka-font-mono: 'Noto Sans Mono CJK TC', 'DejaVu Sans Mono', ui-monospace, monospace;

    --ka-text: #111827;
    --ka-text-muted: #374151;
    --ka-bg: #f3f5f8;
    --ka-surface: #ffffff;
    --ka-border: #6b7280;
    --ka-border-strong: #1f2937;

    --ka-brand: #0b3d6e;
    --ka-brand-text: #ffffff;
    --ka-primary: #0b5394;
    --ka-primary-hover: #083d6e;
    --ka-primary-text: #ffffff;
    --ka-secondary-bg: #ffffff;
    --ka-secondary-text: #0b3d6e;

    --ka-error: #a1111b;
    --ka-error-bg: #fdecee;
    --ka-success: #17602e;
    --ka-success-bg: #e8f5ec;
    --ka-info-bg: #e8f0fa;
    --ka-warning-bg: #fff4d6;
    --ka-warning-text: #5c3c00;
    --ka-demo-bg: #fff8e1;

    --ka-focus: #111827;
    --ka-focus-halo: #ffd400;

    ${sizesFor('touchscreen')}
    --ka-key: 84px;
  }
`;

/** The desk screen's sizes, laid over `tokens` by the consoles. */
export const deskSizes = css`
  :host {
    ${sizesFor('desk')}
  }
`;
