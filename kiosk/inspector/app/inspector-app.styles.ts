// The inspector page's own layout, on top of the consoles' shared styles (kiosk/consoles/styles.ts):
// the header's kiosk choice, the chart beside the session and the trace bar.
import { css } from 'lit';

export const inspectorAppStyles = css`
  header label {
    display: flex;
    align-items: center;
    gap: var(--ka-space-2);
    font-weight: 700;
  }
  header .badge {
    background: var(--ka-surface);
  }
  header button {
    border-color: var(--ka-brand-text);
    background: transparent;
    color: var(--ka-brand-text);
  }
  .current {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--ka-space-2) var(--ka-space-4);
    padding: var(--ka-space-2) var(--ka-space-5);
    background: var(--ka-surface);
    border-bottom: 2px solid #c7ced8;
  }
  .current .path {
    font-family: var(--ka-font-mono);
    font-size: var(--ka-text-large);
    font-weight: 700;
  }
  .banner {
    margin: 0;
    border-radius: 0;
    border-width: 0 0 2px;
  }
  main {
    flex: 1;
    min-height: 0;
    display: grid;
    grid-template-columns: minmax(0, 1fr) minmax(400px, 440px);
  }
  .chart {
    overflow: auto;
    display: flex;
    flex-direction: column;
    gap: var(--ka-space-2);
    padding: var(--ka-space-3) var(--ka-space-4);
  }
  /* The heading, the trace bar and the nested boxes' switch share a row: the drawing gets the height. */
  .chart-head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--ka-space-2) var(--ka-space-4);
  }
  .chart-head h2 {
    margin: 0;
  }
  /* The nested boxes, opened, take the row's whole width under the heading. */
  .chart-head details[open] {
    flex-basis: 100%;
  }
  ka-statechart-graph {
    flex: 1 0 420px;
  }
  .trace {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--ka-space-2);
  }
  .trace .file input {
    margin-left: var(--ka-space-2);
  }
  .side {
    display: flex;
    flex-direction: column;
    gap: var(--ka-space-3);
    min-height: 0;
    overflow: hidden;
    padding: var(--ka-space-3) var(--ka-space-4);
    border-left: 2px solid #c7ced8;
    background: #eef1f5;
  }
  ka-inspector-transitions {
    max-height: 30%;
    overflow: auto;
    flex: none;
  }
  ka-inspector-log {
    flex: 1 1 0;
    min-height: 200px;
  }
  .bottom {
    display: grid;
    grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
    gap: var(--ka-space-3);
    flex: none;
    height: 28%;
    min-height: 0;
  }
  .bottom > * {
    overflow: auto;
    min-height: 0;
  }
  pre {
    margin: 0;
    padding: var(--ka-space-2);
    background: var(--ka-surface);
    border: 1px solid #c7ced8;
    border-radius: var(--ka-radius);
    font-family: var(--ka-font-mono);
    font-size: 12px;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .side h2 {
    font-size: var(--ka-text-body);
  }
`;
