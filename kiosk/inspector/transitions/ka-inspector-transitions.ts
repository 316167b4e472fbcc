import { css, html, LitElement, nothing } from 'lit';
import { define, emit } from '../../src/events.ts';
import { consoleStyles } from '../../consoles/styles.ts';
import { inspectorStrings } from '../inspector-strings.ts';
import { targetLabel, transitionsOut, type MachineIndex } from '../statechart.ts';
import '../../staff/staff-events.ts';

const t = inspectorStrings;

/**
 * The transitions out of one state (the active one unless another is selected): its own, then
 * those it inherits from each ancestor, each as event → target with the guard's name.
 *
 * @summary Where the machine can go from a state.
 * @fires ka-inspector-state-select - `{id}` of the active state, to follow it again
 */
export class KaInspectorTransitions extends LitElement {
  static override properties = {
    index: { attribute: false },
    stateId: { attribute: false },
    activeId: { attribute: false },
  };

  declare index: MachineIndex | undefined;
  /** The state whose transitions are listed. */
  declare stateId: string | undefined;
  /** The active leaf, offered when another state is shown. */
  declare activeId: string | undefined;

  constructor() {
    super();
    this.index = undefined;
    this.stateId = undefined;
    this.activeId = undefined;
  }

  static override styles = [
    ...consoleStyles,
    css`
      :host {
        display: block;
      }
      .top {
        display: flex;
        align-items: center;
        gap: var(--ka-space-2);
        flex-wrap: wrap;
      }
      .top h2 {
        margin: 0 auto 0 0;
      }
      table {
        margin-bottom: var(--ka-space-2);
      }
      caption {
        text-align: left;
        font-weight: 700;
        padding: var(--ka-space-2) 0 var(--ka-space-1);
      }
      th,
      td {
        overflow-wrap: anywhere;
      }
      td.event {
        font-weight: 700;
      }
      .guard {
        color: var(--ka-text-muted);
      }
    `,
  ];

  override render() {
    const index = this.index;
    const stateId = this.stateId;
    if (!index || stateId === undefined || !index.byId.has(stateId)) {
      return html`<h2>${t.transitions}</h2>
        <p class="hint">${t.noActive}</p>`;
    }
    const path = targetLabel(index, stateId);
    const groups = transitionsOut(index, stateId);
    return html`<div class="top">
        <h2 id="transitions-title">${t.transitionsOf(path)}</h2>
        ${this.activeId !== undefined && this.activeId !== stateId
          ? html`<button type="button" data-follow @click=${() => emit(this, 'ka-inspector-state-select', { id: this.activeId ?? '' })}>
              ${t.showActive}
            </button>`
          : nothing}
      </div>
      <p class="hint">${t.transitionsHint}</p>
      ${groups.map(
        (group) => html`<table data-from=${group.from.id}>
          <caption>
            ${group.depth === 0 ? t.own : t.inherited(targetLabel(index, group.from.id))}
          </caption>
          <thead>
            <tr>
              <th scope="col">${t.columns.event}</th>
              <th scope="col">${t.columns.guard}</th>
              <th scope="col">${t.columns.target}</th>
            </tr>
          </thead>
          <tbody>
            ${group.transitions.map(
              (transition) => html`<tr>
                <td class="event mono">${transition.event}</td>
                <td class="guard mono">${transition.guard ?? '—'}</td>
                <td class="mono">
                  ${transition.targets.length === 0 ? t.internal : transition.targets.map((target) => targetLabel(index, target)).join(', ')}
                </td>
              </tr>`,
            )}
          </tbody>
        </table>`,
      )}`;
  }
}

define('ka-inspector-transitions', KaInspectorTransitions);

declare global {
  interface HTMLElementTagNameMap {
    'ka-inspector-transitions': KaInspectorTransitions;
  }
}
