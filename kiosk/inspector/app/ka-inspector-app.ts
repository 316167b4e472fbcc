import { html, LitElement, nothing, type PropertyValues } from 'lit';
import type { InspectionEvent, View } from '../../../machines/contract/messages.ts';
import { define, emit } from '../../src/events.ts';
import { icons } from '../../src/styles/icons.ts';
import type { ConnectionState } from '../../consoles/connection.ts';
import { consoleStyles, consolePageStyles } from '../../consoles/styles.ts';
import { inspectorAppStyles } from './inspector-app.styles.ts';
import { needsStaff, sortKiosks, type KioskEntry } from '../../consoles/kiosk-status.ts';
import { kioskBadges } from '../../consoles/console-strings.ts';
import { inspectorStrings } from '../inspector-strings.ts';
import {
  activeIdsFromPath,
  activeIdsFromValue,
  activeLeaves,
  indexMachine,
  logEntryOfInspection,
  logEntryOfView,
  prependBounded,
  statePathOfValue,
  type DescribedState,
  type EngineStatsReply,
  type LogEntry,
  type MachineIndex,
} from '../statechart.ts';
import { edgeTaken, statechartGraph, type StatechartGraph } from '../../../machines/session/introspect.ts';
import { redactEvent } from '../../../machines/session/redact.ts';
import { parseTrace, TraceRecorder, type SessionTrace } from '../trace.ts';
import '../chart/ka-inspector-chart.ts';
import '../graph/ka-statechart-graph.ts';
import '../log/ka-inspector-log.ts';
import '../stats/ka-inspector-stats.ts';
import '../transitions/ka-inspector-transitions.ts';
import '../../staff/staff-events.ts';

const t = inspectorStrings;

/** Where the active state was last read from: a view's state path or a snapshot's state value. */
export type ActiveSource =
  | { kind: 'view'; path: string; detail: string }
  | { kind: 'snapshot'; value: unknown; detail: string };

/**
 * The live statechart inspector: pick a kiosk, see its machine as nested boxes with the active
 * state marked, the transitions out of it, the event log, the current View and the engine's
 * counters. It renders what it is given: an `InspectorController` feeds it from NATS; tests and
 * screenshots call `showView` / `recordInspection` and set the properties directly.
 *
 * @summary The statechart inspector page.
 * @fires ka-inspector-kiosk-select - `{kioskId}` when another kiosk is chosen
 * @fires ka-staff-rediscover - when asked to look for kiosks again
 */
export class KaInspectorApp extends LitElement {
  static override properties = {
    kiosks: { attribute: false },
    kioskId: { reflect: true, attribute: 'kiosk-id' },
    machine: { attribute: false },
    view: { attribute: false },
    activeSource: { attribute: false },
    log: { attribute: false },
    stats: { attribute: false },
    statsAt: { attribute: false },
    connection: { reflect: true },
    problem: { attribute: false },
    selectedStateId: { attribute: false },
    activeIds: { state: true },
    previousIds: { state: true },
    takenEdgeId: { state: true },
    replay: { state: true },
    recordedSteps: { state: true },
  };

  declare kiosks: ReadonlyMap<string, KioskEntry>;
  declare kioskId: string | undefined;
  declare machine: DescribedState | undefined;
  declare view: View | undefined;
  declare activeSource: ActiveSource | undefined;
  declare log: readonly LogEntry[];
  declare stats: EngineStatsReply | undefined;
  declare statsAt: number | undefined;
  declare connection: ConnectionState;
  declare problem: string | undefined;
  /** The state whose transitions are listed; undefined follows the active state. */
  declare selectedStateId: string | undefined;
  /** The active states (root to leaves), from `activeSource` read against `machine`. */
  declare activeIds: ReadonlySet<string>;
  /** The leaves that were active before the current ones. */
  declare previousIds: ReadonlySet<string>;
  /** The drawn edge of the last transition (animated). */
  declare takenEdgeId: string | undefined;
  /** A loaded trace being stepped through on the drawing; undefined follows the kiosk live. */
  declare replay: { trace: SessionTrace; index: number } | undefined;
  /** How many steps the live recording holds. */
  declare recordedSteps: number;

  #graph: StatechartGraph | undefined;
  #lastEventType: string | undefined;
  #recorder = new TraceRecorder('kioskSession');

  #index: MachineIndex | undefined;

  constructor() {
    super();
    this.kiosks = new Map();
    this.kioskId = undefined;
    this.machine = undefined;
    this.view = undefined;
    this.activeSource = undefined;
    this.log = [];
    this.stats = undefined;
    this.statsAt = undefined;
    this.connection = 'offline';
    this.problem = undefined;
    this.selectedStateId = undefined;
    this.activeIds = new Set();
    this.previousIds = new Set();
    this.takenEdgeId = undefined;
    this.replay = undefined;
    this.recordedSteps = 0;
    this.addEventListener('ka-inspector-state-select', (event) => {
      const leaf = this.activeLeafId;
      this.selectedStateId = event.detail.id === leaf ? undefined : event.detail.id;
    });
  }

  /** A view arrived: show it, log it, and take the active state from its state path. */
  showView(view: View, at = new Date().toISOString()): void {
    this.view = view;
    this.log = prependBounded(this.log, logEntryOfView(view, at));
    this.#recorder.view(view);
    if (view.state !== undefined && !this.replay) this.#setActive({ kind: 'view', path: view.state, detail: `#${view.seq}` });
  }

  /** An inspection event arrived: log it; a snapshot of the session says which state is active. */
  recordInspection(received: InspectionEvent): void {
    // Redacted again here, whatever the engine sent: the log and the trace never hold a secret.
    const event = received.event === undefined ? received : { ...received, event: redactEvent(received.event) };
    this.#recorder.inspection(event);
    this.recordedSteps = this.#recorder.steps.length;
    if (event.kind === 'event' && event.event !== undefined) this.#lastEventType = event.event.type;
    this.log = prependBounded(this.log, logEntryOfInspection(event));
    if (event.kind === 'snapshot' && event.state !== undefined && !this.replay) {
      this.#setActive({ kind: 'snapshot', value: event.state, detail: `#${event.seq}` });
    }
  }

  /** Forgets the previous kiosk's session (another kiosk was chosen). */
  clearSession(): void {
    this.view = undefined;
    this.activeSource = undefined;
    this.log = [];
    this.stats = undefined;
    this.statsAt = undefined;
    this.selectedStateId = undefined;
    this.previousIds = new Set();
    this.takenEdgeId = undefined;
    this.#recorder.clear();
    this.recordedSteps = 0;
  }

  /** The live session so far, as a trace (what 匯出紀錄 downloads). */
  exportTrace(): SessionTrace {
    return this.#recorder.toTrace(this.kioskId === undefined ? undefined : `recorded at ${this.kioskId}`);
  }

  /** Shows a recorded trace on the drawing from its first step; the live kiosk is followed again by `stopReplay`. */
  loadTrace(trace: SessionTrace): void {
    this.replay = { trace, index: 0 };
    this.#showReplayStep();
  }

  /** One step forwards (1) or backwards (-1) through the loaded trace. */
  stepTrace(delta: number): void {
    if (!this.replay) return;
    const index = Math.min(this.replay.trace.steps.length - 1, Math.max(0, this.replay.index + delta));
    this.replay = { ...this.replay, index };
    this.#showReplayStep();
  }

  stopReplay(): void {
    this.replay = undefined;
    this.takenEdgeId = undefined;
  }

  #showReplayStep(): void {
    if (!this.replay) return;
    const { trace, index } = this.replay;
    const step = trace.steps[index];
    if (step?.state === undefined) return;
    this.#lastEventType = step.event.type;
    this.#setActive({ kind: 'view', path: step.state, detail: `trace ${index + 1}/${trace.steps.length}` });
  }

  /** The deepest active state (the first, for parallel regions). */
  get activeLeafId(): string | undefined {
    const index = this.#machineIndex();
    return index ? activeLeaves(index, this.activeIds)[0] : undefined;
  }

  static override styles = [...consoleStyles, consolePageStyles, inspectorAppStyles];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('machine')) this.#graph = this.machine ? statechartGraph(this.machine) : undefined;
    if (changed.has('machine') || changed.has('activeSource')) this.activeIds = new Set(this.#activeIdsOf(this.activeSource));
  }

  /** The index of the machine shown, rebuilt when another machine is set. */
  #machineIndex(): MachineIndex | undefined {
    if (this.#index?.root !== this.machine) this.#index = this.machine ? indexMachine(this.machine) : undefined;
    return this.#index;
  }

  #activeIdsOf(source: ActiveSource | undefined): string[] {
    if (!this.machine || !source) return [];
    return source.kind === 'view' ? activeIdsFromPath(this.machine, source.path) : activeIdsFromValue(this.machine, source.value);
  }

  /**
   * Decided here, per message, not per render: several messages may arrive before the next
   * render, and the state left is the one before the last change, not before the last render.
   */
  #setActive(source: ActiveSource): void {
    const index = this.#machineIndex();
    const before = index ? activeLeaves(index, this.#activeIdsOf(this.activeSource)) : [];
    const after = index ? activeLeaves(index, this.#activeIdsOf(source)) : [];
    if (before.length > 0 && after.length > 0 && before.join() !== after.join()) {
      this.previousIds = new Set(before.filter((id) => !after.includes(id)));
      this.#graph ??= this.machine ? statechartGraph(this.machine) : undefined;
      const taken = this.#graph
        ? edgeTaken(this.#graph, this.#activeIdsOf(this.activeSource), this.#activeIdsOf(source), this.#lastEventType)
        : undefined;
      this.takenEdgeId = taken?.id;
    }
    this.activeSource = source;
  }

  override render() {
    const leaf = this.activeLeafId;
    return html`<header>
        <h1>${t.title}</h1>
        ${this.renderKioskChoice()}
        <button type="button" data-rediscover @click=${() => emit(this, 'ka-staff-rediscover', {})}>${t.rediscover}</button>
        ${this.renderConnection()}
      </header>
      ${this.problem ? html`<div class="notice error banner" role="alert">${icons.error}<p class="body">${this.problem}</p></div>` : nothing}
      ${this.renderCurrent()}
      <main>
        <section class="chart" aria-labelledby="chart-title">
          <div class="chart-head">
            <h2 id="chart-title">${t.chart}${this.machine ? html` <code>${this.machine.id}</code>` : nothing}</h2>
            ${this.renderTraceBar()}
            <details>
              <summary>${t.boxes}</summary>
              <ka-inspector-chart
                .machine=${this.machine}
                .activeIds=${this.activeIds}
                .previousIds=${this.previousIds}
                .selectedId=${this.selectedStateId ?? leaf}
              ></ka-inspector-chart>
            </details>
          </div>
          <ka-statechart-graph
            .machine=${this.machine}
            .activeIds=${this.activeIds}
            .previousIds=${this.previousIds}
            .takenEdgeId=${this.takenEdgeId}
          ></ka-statechart-graph>
        </section>
        <div class="side">
          <ka-inspector-transitions tabindex="0" role="region" aria-label=${t.transitions} .index=${this.#machineIndex()} .stateId=${this.selectedStateId ?? leaf} .activeId=${leaf}></ka-inspector-transitions>
          <ka-inspector-log .entries=${this.log}></ka-inspector-log>
          <div class="bottom">
            <section aria-labelledby="view-title">
              <h2 id="view-title">${t.view}</h2>
              ${this.view ? html`<pre tabindex="0" aria-labelledby="view-title">${JSON.stringify(this.view, null, 2)}</pre>` : html`<p class="hint">${t.noView}</p>`}
            </section>
            <ka-inspector-stats tabindex="0" role="region" aria-label=${t.stats} .stats=${this.stats} .at=${this.statsAt}></ka-inspector-stats>
          </div>
        </div>
      </main>`;
  }

  private renderTraceBar() {
    const replay = this.replay;
    const step = replay?.trace.steps[replay.index];
    return html`<div class="trace" role="group" aria-label=${t.trace}>
      ${replay && step
        ? html`<button type="button" data-trace-back ?disabled=${replay.index === 0} @click=${() => this.stepTrace(-1)}>◀ ${t.traceBack}</button>
            <span data-trace-position>${t.traceAt(replay.index + 1, replay.trace.steps.length, step.event.type)}</span>
            <button type="button" data-trace-forward ?disabled=${replay.index === replay.trace.steps.length - 1} @click=${() => this.stepTrace(1)}>
              ${t.traceForward} ▶
            </button>
            <button type="button" data-trace-live @click=${() => this.stopReplay()}>${t.traceLive}</button>`
        : html`<span data-trace-count>${t.traceSteps(this.recordedSteps)}</span>
            <button type="button" data-trace-export ?disabled=${this.recordedSteps === 0} @click=${() => this.#download()}>${t.exportTrace}</button>`}
      <label class="file">${t.loadTrace}<input type="file" accept="application/json,.json" data-trace-load @change=${this.#onFile} /></label>
    </div>`;
  }

  #download(): void {
    const blob = new Blob([JSON.stringify(this.exportTrace(), null, 2)], { type: 'application/json' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `trace-${this.kioskId ?? 'kiosk'}-${new Date().toISOString().replaceAll(':', '')}.json`;
    link.click();
    URL.revokeObjectURL(link.href);
  }

  #onFile = async (event: Event) => {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    try {
      this.loadTrace(parseTrace(await file.text()));
      this.problem = undefined;
    } catch {
      this.problem = t.traceInvalid;
    }
    input.value = '';
  };

  private renderKioskChoice() {
    const kiosks = sortKiosks(this.kiosks.values());
    return html`<label>
      ${t.kiosk}
      <select @change=${(event: Event) => emit(this, 'ka-inspector-kiosk-select', { kioskId: (event.target as HTMLSelectElement).value })}>
        ${this.kioskId === undefined || kiosks.length === 0 ? html`<option value="" ?selected=${this.kioskId === undefined}>${t.noKiosks}</option>` : nothing}
        ${kiosks.map(
          (entry) => html`<option value=${entry.view.kioskId} ?selected=${entry.view.kioskId === this.kioskId}>
            ${entry.view.kioskId}${needsStaff(entry.view) ? `（${kioskBadges.needsStaff}）` : ''}
          </option>`,
        )}
      </select>
    </label>`;
  }

  private renderConnection() {
    const state = this.connection;
    const kind = state === 'connected' ? 'ok' : state === 'disconnected' ? 'help' : 'quiet';
    const icon = state === 'connected' ? icons.check : state === 'disconnected' ? icons.warning : icons.clock;
    return html`<span class="badge ${kind}" data-connection=${state}>${icon}${t.connection[state]}</span>`;
  }

  private renderCurrent() {
    const source = this.activeSource;
    const path = source === undefined ? undefined : source.kind === 'view' ? source.path : statePathOfValue(source.value);
    // Only the state itself is a live region: the source's sequence number changes with every
    // message and would be read out each time.
    return html`<div class="current">
      <span role="status" aria-live="polite" aria-atomic="true">
        <span>${t.active}：</span>
        ${path === undefined ? html`<span>${t.noActive}</span>` : html`<span class="path" data-active-path>${path}</span>`}
      </span>
      ${source ? html`<span class="hint">${t.activeFrom(source.kind, source.detail)}</span>` : nothing}
      ${this.view ? html`<span>${t.screen}：<code>${this.view.screen}</code></span>` : nothing}
    </div>`;
  }
}

define('ka-inspector-app', KaInspectorApp);

declare global {
  interface HTMLElementTagNameMap {
    'ka-inspector-app': KaInspectorApp;
  }
}
