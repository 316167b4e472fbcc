import { css, html, LitElement, nothing, svg } from 'lit';
import { consolePageStyles, consoleStyles } from '../consoles/styles.ts';
import type { ConnectionState } from '../consoles/connection.ts';
import { define } from '../src/events.ts';
import { icons } from '../src/styles/icons.ts';
// Only the catalogue's path names: the whole kiosk catalogue (and i18n.ts) would push the page past its size budget.
import { paths as kioskPathNames } from '../src/text/zh-TW.json';
import { ACTIVATION_PATHS, type ActivationPath } from '../../machines/contract/screens.ts';
import { FUNNEL_STEPS, type DashboardFigures, type FunnelFigures } from './dashboard-model.ts';

/** The words of the dashboard, in 正體中文. */
export const dashboardStrings = {
  title: '開卡櫃台統計',
  today: (day: string) => `${day}（台北時間）`,
  activationsToday: '今日完成開卡',
  perHour: '每小時完成開卡數',
  funnel: '開卡各步驟的件數（今日）',
  endedAt: '停在哪一步（今日）',
  outcomes: '錯誤代碼次數（今日）',
  median: '各步驟所需時間中位數（秒）',
  kiosks: '機台狀態',
  inService: '服務中',
  outOfService: '暫停服務',
  steps: { verified: '身分核對', accepted: '憑證接受', 'pin-granted': '設定IC卡PIN碼', activated: '開卡完成' } as Record<string, string>,
  none: '尚無資料',
  /** The kiosk's own names of the two paths (the CA manual's words). */
  paths: kioskPathNames as Record<ActivationPath, string>,
  total: '兩種申請方式合計',
  unknownPath: (count: number) => `申請方式不明：${count} 件（只計入合計）`,
  connection: { offline: '未連線', connecting: '連線中…', connected: '已連線', disconnected: '連線中斷，重新連線中…' },
};
const t = dashboardStrings;

interface Bar {
  label: string;
  value: number;
}

/** The bars in words: a chart's accessible name, and the total line. */
const listed = (bars: readonly Bar[]) => bars.map((bar) => `${bar.label} ${bar.value}`).join('，');

/**
 * A horizontal bar chart as plain SVG; the numbers are written on the bars and in the label.
 * `scale` is the value of a full-length bar (charts meant to be compared share it).
 */
function barChart(bars: readonly Bar[], name: string, colour = '#0b57d0', scale = Math.max(...bars.map((bar) => bar.value))) {
  const rowHeight = 30;
  const labelWidth = 170;
  const width = 520;
  const max = Math.max(1, scale);
  const summary = `${name}：${listed(bars)}`;
  return html`<svg class="chart" role="img" aria-label=${summary} viewBox="0 0 ${width} ${bars.length * rowHeight + 4}">
    ${bars.map((bar, index) => {
      const y = index * rowHeight + 2;
      const length = ((width - labelWidth - 50) * bar.value) / max;
      return svg`<g data-bar=${bar.label} data-value=${bar.value}>
        <text x="0" y=${y + 19} class="label">${bar.label}</text>
        <rect x=${labelWidth} y=${y + 4} width=${Math.max(length, 1)} height=${rowHeight - 10} rx="3" fill=${colour}></rect>
        <text x=${labelWidth + length + 6} y=${y + 19} class="value">${bar.value}</text>
      </g>`;
    })}
  </svg>`;
}

/** 24 columns, one per hour of the day. */
function hourChart(counts: readonly number[]) {
  const width = 520;
  const height = 140;
  const columnWidth = width / 24;
  const max = Math.max(1, ...counts);
  const summary = `${t.perHour}：${counts.map((count, hour) => (count > 0 ? `${hour} 時 ${count}` : '')).filter(Boolean).join('，') || t.none}`;
  return html`<svg class="chart" role="img" aria-label=${summary} viewBox="0 -16 ${width} ${height + 36}">
    ${counts.map((count, hour) => {
      const barHeight = (height * count) / max;
      return svg`<g data-hour=${hour} data-value=${count}>
        <rect x=${hour * columnWidth + 2} y=${height - barHeight} width=${columnWidth - 4} height=${barHeight} fill="#2f6f4f"></rect>
        ${hour % 3 === 0 ? svg`<text x=${hour * columnWidth + 2} y=${height + 16} class="label">${hour}</text>` : nothing}
        ${count > 0 ? svg`<text x=${hour * columnWidth + 3} y=${height - barHeight - 3} class="value">${count}</text>` : nothing}
      </g>`;
    })}
  </svg>`;
}

/**
 * A section with one labelled group of bars per path: the same chart for each path's figures, on
 * one scale so that a bar's length compares across the paths.
 */
function perPathSection(f: DashboardFigures, figure: string, title: string, bars: (figures: FunnelFigures) => Bar[], colour: string, after: unknown = nothing) {
  const groups = ACTIVATION_PATHS.map((path) => ({ path, bars: bars(f.byPath[path]) }));
  const scale = Math.max(...groups.flatMap((group) => group.bars.map((bar) => bar.value)));
  return html`<section aria-labelledby=${figure}>
    <h2 id=${figure}>${title}</h2>
    <div data-figure=${figure}>
      ${groups.map(({ path, bars }) => html`<div data-path=${path}><h3>${t.paths[path]}</h3>${barChart(bars, `${title}（${t.paths[path]}）`, colour, scale)}</div>`)}
    </div>
    ${after}
  </section>`;
}

const stepBars = (counts: 'funnel' | 'endedAt') => (figures: FunnelFigures) =>
  FUNNEL_STEPS.map((step) => ({ label: t.steps[step]!, value: figures[counts][step] }));
const medianBars = (figures: FunnelFigures) =>
  FUNNEL_STEPS.slice(1).map((step, index) => ({
    label: `→ ${t.steps[step]}`,
    value: Math.round(figures.medianSeconds[`${FUNNEL_STEPS[index]!}→${step}`] ?? 0),
  }));

/**
 * The office dashboard: today's activations, where activations stop, error codes, time per step,
 * kiosks in and out of service. It renders `figures`; a `DashboardController` keeps them current.
 *
 * @summary The office dashboard page.
 */
export class KaDashboardApp extends LitElement {
  static override properties = {
    figures: { attribute: false },
    connection: { reflect: true },
    problem: { attribute: false },
  };

  declare figures: DashboardFigures | undefined;
  declare connection: ConnectionState;
  /** Why the page could not connect or follow the registry's events, when it could not. */
  declare problem: string | undefined;

  constructor() {
    super();
    this.figures = undefined;
    this.connection = 'offline';
    this.problem = undefined;
  }

  static override styles = [
    ...consoleStyles,
    consolePageStyles,
    css`
      main {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(420px, 1fr));
        gap: var(--ka-space-4);
        padding: var(--ka-space-4);
        overflow: auto;
      }
      section {
        background: var(--ka-surface);
        border: 1px solid #c7ced8;
        border-radius: var(--ka-radius);
        padding: var(--ka-space-3) var(--ka-space-4);
      }
      h2 {
        font-size: var(--ka-text-body);
        margin: 0 0 var(--ka-space-2);
      }
      .big {
        font-size: 64px;
        font-weight: 700;
        margin: 0;
      }
      .chart {
        width: 100%;
        height: auto;
        font-size: 14px;
      }
      .chart .label,
      .chart .value {
        fill: #1a202c;
      }
    `,
  ];

  override render() {
    const f = this.figures;
    return html`<header>
        <h1>${t.title}</h1>
        ${f ? html`<span>${t.today(f.day)}</span>` : nothing}
        <span class="badge ${this.connection === 'connected' ? 'ok' : 'quiet'}" data-connection=${this.connection}>${t.connection[this.connection]}</span>
      </header>
      ${this.problem ? html`<div class="notice error banner" role="alert">${icons.error}<p class="body">${this.problem}</p></div>` : nothing}
      <main tabindex="0" aria-label=${t.title}>
        ${f === undefined
          ? html`<p>${t.none}</p>`
          : html`<section aria-labelledby="today">
                <h2 id="today">${t.activationsToday}</h2>
                <p class="big" data-figure="activationsToday">${f.activationsToday}</p>
                ${hourChart(f.activationsPerHour)}
              </section>
              ${perPathSection(
                f,
                'funnel',
                t.funnel,
                stepBars('funnel'),
                '#0b57d0',
                html`<p data-figure="funnelTotal">${t.total}：${listed(stepBars('funnel')(f))}</p>
                  ${f.unknownPath > 0 ? html`<p data-figure="unknownPath">${t.unknownPath(f.unknownPath)}</p>` : nothing}`,
              )}
              ${perPathSection(f, 'endedAt', t.endedAt, stepBars('endedAt'), '#8a5a00')}
              <section aria-labelledby="outcomes">
                <h2 id="outcomes">${t.outcomes}</h2>
                <div data-figure="outcomes">
                  ${Object.keys(f.outcomes).length === 0
                    ? html`<p>${t.none}</p>`
                    : barChart(
                        Object.entries(f.outcomes)
                          .sort((a, b) => b[1] - a[1])
                          .map(([code, value]) => ({ label: code, value })),
                        t.outcomes,
                        '#b42318',
                      )}
                </div>
              </section>
              ${perPathSection(f, 'median', t.median, medianBars, '#4a5568')}
              <section aria-labelledby="kiosks">
                <h2 id="kiosks">${t.kiosks}</h2>
                <div data-figure="kiosks">
                  ${barChart(
                    [
                      { label: t.inService, value: f.kiosks.inService },
                      { label: t.outOfService, value: f.kiosks.outOfService },
                    ],
                    t.kiosks,
                    '#2f6f4f',
                  )}
                </div>
              </section>`}
      </main>`;
  }
}

define('ka-dashboard-app', KaDashboardApp);

declare global {
  interface HTMLElementTagNameMap {
    'ka-dashboard-app': KaDashboardApp;
  }
}
