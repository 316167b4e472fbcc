// The laid-out statechart as one self-contained SVG document (its own <style>), so the inspector
// and docs/states.svg draw exactly the same picture. Live marks are classes the inspector toggles
// on elements found by `data-state-id` / `data-edge-id`: `active`, `previous`, `taken`. An edge
// element is one drawn edge (a frame's event, the failure bundle, an event into a state) with a
// path per line; `data-members` lists the machine's transitions it stands for.
import { FONT, LINE_HEIGHT, PADDING, type LaidOutEdge, type LaidOutNode, type StatechartLayout } from './layout.ts';

const escapeXml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const STYLE = `
  .sc { font-family: "Noto Sans Mono", "DejaVu Sans Mono", monospace; }
  .sc .state > rect { fill: #fff; stroke: #4a5568; stroke-width: 1.2; }
  .sc .state.compound > rect { fill: #f4f6f9; stroke: #8a94a6; }
  .sc .state.failures > rect { fill: #fff6f5; stroke: #b42318; stroke-width: 1.5; }
  .sc .state.error > rect { fill: #fdecec; stroke: #b42318; }
  .sc .state text { font-size: ${FONT.text}px; fill: #1a202c; }
  .sc .state text.name { font-size: ${FONT.name}px; font-weight: 700; }
  .sc .state text.note { fill: #4a5568; }
  .sc .state.active > rect { stroke: #0b57d0; stroke-width: 3.5; fill: #dbe7ff; }
  .sc .state.compound.active > rect { fill: #eef3ff; stroke-width: 2; }
  .sc .state.previous > rect { stroke: #0b57d0; stroke-width: 2; stroke-dasharray: 5 3; }
  .sc .edge path { fill: none; stroke: #718096; stroke-width: 1.2; marker-end: url(#sc-arrow); }
  .sc .edge.timer path { stroke: #8a5a00; stroke-dasharray: 4 3; }
  .sc .edge.actor path { stroke: #2f6f4f; }
  .sc .edge.failure path { stroke: #b42318; stroke-width: 1.5; opacity: 0.75; }
  .sc .edge text { font-size: ${FONT.text}px; fill: #2d3748; }
  .sc .edge .label-bg { fill: #fbfcfe; opacity: 0.9; }
  .sc .edge.taken path { stroke: #0b57d0; stroke-width: 3; stroke-dasharray: 8 6; opacity: 1; animation: sc-flow 0.8s linear infinite; }
  .sc .edge.taken text { fill: #0b57d0; font-weight: 700; }
  @keyframes sc-flow { to { stroke-dashoffset: -14; } }
  @media (prefers-reduced-motion: reduce) { .sc .edge.taken path { animation: none; } }
`;

function nodeSvg(laid: LaidOutNode, failureFrame: string | undefined): string {
  const { node } = laid;
  const classes = ['state', node.compound ? 'compound' : 'atomic', node.isError ? 'error' : '', node.id === failureFrame ? 'failures' : '']
    .filter(Boolean)
    .join(' ');
  const text = laid.lines
    .map((line, index) => {
      const kind = index === 0 ? 'name' : index === 1 && !node.compound ? 'what' : 'note';
      return `<text class="${kind}" x="${laid.x + PADDING}" y="${laid.y + PADDING + 11 + index * LINE_HEIGHT}">${escapeXml(line)}</text>`;
    })
    .join('');
  return (
    `<g class="${classes}" data-state-id="${escapeXml(node.id)}"><title>${escapeXml(laid.tooltip.join('\n'))}</title>` +
    `<rect x="${laid.x}" y="${laid.y}" width="${laid.width}" height="${laid.height}" rx="${node.compound ? 10 : 5}"/>` +
    `${text}</g>`
  );
}

function edgeSvg(laid: LaidOutEdge): string {
  const { edge, paths, label } = laid;
  if (paths.length === 0) return '';
  const d = (points: { x: number; y: number }[]) =>
    points.map((point, index) => `${index === 0 ? 'M' : 'L'}${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(' ');
  const labelSvg =
    label === undefined
      ? ''
      : `<rect class="label-bg" x="${label.x}" y="${label.y}" width="${label.width}" height="${label.height}"/>` +
        edge.label
          .split('\n')
          .map((line, index) => `<text x="${label.x + 2}" y="${label.y + (index + 1) * LINE_HEIGHT - 4}">${escapeXml(line)}</text>`)
          .join('');
  const title = edge.members.map((member) => `${member.source} → ${member.target}: ${member.label}`).join('\n');
  return (
    `<g class="edge ${edge.kind}" data-edge-id="${escapeXml(edge.id)}" data-members="${escapeXml(edge.members.map((member) => member.id).join(' '))}">` +
    `<title>${escapeXml(title)}</title>${paths.map((points) => `<path d="${d(points)}"/>`).join('')}${labelSvg}</g>`
  );
}

/** The whole drawing; `title` becomes the SVG's accessible name. */
export function renderStatechartSvg(layout: StatechartLayout, title: string): string {
  const margin = 12;
  const width = Math.ceil(layout.width + 2 * margin);
  const height = Math.ceil(layout.height + 2 * margin);
  // Containers first (outermost first), so children and edges are drawn over them.
  const nodes = [...layout.nodes].sort((a, b) => Number(b.node.compound) - Number(a.node.compound));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="sc" role="img" aria-label="${escapeXml(title)}" `,
    `viewBox="${-margin} ${-margin} ${width} ${height}" width="${width}" height="${height}">`,
    `<title>${escapeXml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '<defs><marker id="sc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">',
    '<path d="M0,0 L10,5 L0,10 z" fill="#4a5568"/></marker></defs>',
    `<g class="viewport">`,
    ...nodes.map((node) => nodeSvg(node, layout.model.failureFrame)),
    ...layout.edges.map(edgeSvg),
    '</g></svg>',
  ].join('');
}
