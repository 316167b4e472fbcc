// Inline SVG icons. Each is decorative (aria-hidden): the text beside it carries the meaning, so
// nothing depends on the icon or its colour alone.
import { html, svg, type SVGTemplateResult } from 'lit';

const icon = (body: SVGTemplateResult) => html`<svg
  class="icon"
  viewBox="0 0 24 24"
  aria-hidden="true"
  focusable="false"
  fill="none"
  stroke="currentColor"
  stroke-width="2.2"
  stroke-linecap="round"
  stroke-linejoin="round"
>
  ${body}
</svg>`;

export const icons = {
  warning: icon(svg`<path d="M12 3 2 21h20L12 3z" /><path d="M12 10v5" /><path d="M12 18h.01" />`),
  error: icon(svg`<circle cx="12" cy="12" r="9.5" /><path d="M12 7v6" /><path d="M12 16.5h.01" />`),
  check: icon(svg`<path d="M4 12.5 9.5 18 20 6.5" />`),
  info: icon(svg`<circle cx="12" cy="12" r="9.5" /><path d="M12 11v6" /><path d="M12 7.5h.01" />`),
  eye: icon(svg`<path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z" /><circle cx="12" cy="12" r="3" />`),
  eyeOff: icon(svg`<path d="M3 3l18 18" /><path d="M10.6 5.1A10 10 0 0 1 12 5c6.4 0 10 7 10 7a17 17 0 0 1-3.2 4" /><path
        d="M6.6 6.6C3.8 8.4 2 12 2 12s3.6 7 10 7a9.7 9.7 0 0 0 5.4-1.6"
      /><path d="M9.9 9.9a3 3 0 0 0 4.2 4.2" />`,
  ),
  phone: icon(svg`<path
      d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z"
    />`,
  ),
  staff: icon(svg`<circle cx="12" cy="7" r="4" /><path d="M4 21v-1a7 7 0 0 1 7-7h2a7 7 0 0 1 7 7v1" />`),
  globe: icon(svg`<circle cx="12" cy="12" r="9.5" /><path d="M2.5 12h19" /><path d="M12 2.5a14.5 14.5 0 0 1 0 19 14.5 14.5 0 0 1 0-19z" />`,
  ),
  backspace: icon(svg`<path d="M21 5H9l-7 7 7 7h12a1 1 0 0 0 1-1V6a1 1 0 0 0-1-1z" /><path d="m12 9 6 6" /><path d="m18 9-6 6" />`),
  shift: icon(svg`<path d="M12 3 3 12h5v8h8v-8h5L12 3z" />`),
  next: icon(svg`<path d="M4 12h15" /><path d="m13 6 6 6-6 6" />`),
  card: icon(svg`<rect x="2.5" y="5" width="19" height="14" rx="2" /><rect x="5.5" y="9" width="5" height="4" rx="0.8" />`),
  clock: icon(svg`<circle cx="12" cy="12" r="9.5" /><path d="M12 7v5l3 2" />`),
};
