// The design tokens of the kiosk UI, in one place. Every component includes them so that it looks
// right alone (tests, screenshots) as well as inside the app. Colours are chosen for contrast:
// text ≥ 7:1 on its background, every control edge ≥ 3:1, the focus ring visible on any surface.
import { css } from 'lit';

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

    --ka-text-body: 28px;
    --ka-text-small: 24px;
    --ka-text-large: 34px;
    --ka-text-h1: 46px;
    --ka-line: 1.5;

    --ka-space-1: 8px;
    --ka-space-2: 16px;
    --ka-space-3: 24px;
    --ka-space-4: 32px;
    --ka-space-5: 48px;
    --ka-radius: 12px;

    /* WCAG 2.5.5 asks for 44 px; the product asks for at least 64 px on the touchscreen. */
    --ka-target: 80px;
    --ka-target-min: 64px;
    --ka-key: 84px;
  }
`;
