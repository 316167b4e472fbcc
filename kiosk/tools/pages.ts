// The HTML pages the build writes, from one table: every page is the same shell (language, viewport,
// a full-height body on the kiosk's background, one module script) around one app element. The
// shell carries no inline script, which the UI server's content security policy would refuse; its
// inline style that policy allows.

export interface PageSpec {
  /** The file written into the build's folder. */
  file: string;
  /** The bundle the page loads (`<bundle>.js`) and its entry below `kiosk/`. */
  bundle: string;
  entry: string;
  title: string;
  /** The app element the whole page is. */
  element: string;
  /** What the element's controller reads its config from; none: the element connects to nothing. */
  configUrl?: string;
  /** The kiosk's touchscreen never scrolls the page itself: its screens fit or scroll inside. */
  noPageScroll?: boolean;
}

export const PAGES = {
  kiosk: {
    file: 'index.html',
    bundle: 'kiosk',
    entry: 'src/main.ts',
    title: '工商憑證IC卡開卡',
    element: 'ka-kiosk-app',
    configUrl: '/config.json',
    noPageScroll: true,
  },
  staff: {
    file: 'staff.html',
    bundle: 'staff',
    entry: 'staff/main.ts',
    title: '工商憑證IC卡開卡 — 櫃檯服務台',
    element: 'ka-staff-app',
    configUrl: '/config.json?page=staff',
  },
  inspector: {
    file: 'inspector.html',
    bundle: 'inspector',
    entry: 'inspector/main.ts',
    title: '開卡流程狀態圖即時檢視',
    element: 'ka-inspector-app',
    configUrl: '/config.json?page=inspector',
  },
  dashboard: {
    file: 'dashboard.html',
    bundle: 'dashboard',
    entry: 'dashboard/main.ts',
    title: '開卡櫃台統計',
    element: 'ka-dashboard-app',
    configUrl: '/config.json?page=dashboard',
  },
} as const satisfies Record<string, PageSpec>;

export type PageName = keyof typeof PAGES;

const NO_PAGE_SCROLL = '\n        overflow: hidden;';

/** The page's HTML; every value comes from the table above, none from outside, so none is escaped. */
export function pageHtml(page: PageSpec): string {
  const configUrl = page.configUrl === undefined ? '' : ` config-url="${page.configUrl}"`;
  return `<!doctype html>
<html lang="zh-TW">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${page.title}</title>
    <style>
      html,
      body {
        margin: 0;
        height: 100%;
        background: #f3f5f8;${page.noPageScroll ? NO_PAGE_SCROLL : ''}
      }
    </style>
    <script type="module" src="./${page.bundle}.js"></script>
  </head>
  <body>
    <${page.element}${configUrl}></${page.element}>
  </body>
</html>
`;
}

/** The page without its config: the app renders whatever the caller sets (screenshots, benchmark). */
export function previewHtml(page: PageSpec): string {
  return pageHtml({ ...page, configUrl: undefined });
}
