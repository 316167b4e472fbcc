// `npm run states` writes docs/states.svg with this: the session machine drawn exactly as the
// inspector draws it (introspection → elkjs → SVG), from the machine itself.
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { describeMachine } from '../../machines/session/introspect.ts';
import { sessionMachine } from '../../machines/session/session.machine.ts';
import { layoutStatechart } from '../inspector/graph/layout.ts';
import { renderStatechartSvg } from '../inspector/graph/render-svg.ts';

export async function sessionStatechartSvg(): Promise<string> {
  const layout = await layoutStatechart(describeMachine(sessionMachine));
  return `${renderStatechartSvg(layout, 'The kiosk session statechart')}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? 'docs/states.svg';
  await writeFile(out, await sessionStatechartSvg());
  console.log(`wrote ${out}`);
}
