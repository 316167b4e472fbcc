// The fault matrix through the real stack: each row is one activation with one fault injected at
// one step; it records what the user sees next and checks the registry's records. `npm test` runs
// the CI subset (one fault per step, rotating, chosen by `cells('ci')`); `npm run faults`
// (FAULTS=full) runs every row and writes the table to docs/reliability.md.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultStack, type FaultStack } from '../support/fault-stack.ts';
import { until } from '../support/until.ts';
import { cells, runCell, tableOf, type Outcome } from './matrix.ts';
import { renderReliabilityDoc } from './reliability-doc.ts';

const SIZE = process.env.FAULTS === 'full' ? 'full' : 'ci';
const ROWS = cells(SIZE);

describe(`fault matrix (${SIZE}: ${ROWS.length} rows)`, () => {
  let stack: FaultStack;
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    stack = await startFaultStack();
    await until(() => stack.views.some((view) => view.screen === 'insertCard'), 'the kiosk in service', { giveUpMs: 60_000 });
  });

  afterAll(async () => {
    if (outcomes.length > 0) {
      const table = tableOf(outcomes);
      const target = SIZE === 'full' ? join(import.meta.dirname, '../../docs/reliability.md') : join(stack.dataDir, '..', 'kiosk-faults-ci-table.md');
      await writeFile(target, renderReliabilityDoc(table, SIZE, outcomes));
      process.stdout.write(`fault matrix table written to ${target}\n`);
    }
    await stack?.stop();
  });

  ROWS.forEach((cell, index) => {
    it(`${cell.step.label} × ${cell.fault.id} (path ${cell.path})`, async () => {
      const cardNumber = `TF${String(index + 1).padStart(14, '0')}`;
      // Every part up again before the row: a fault of the row before must not leak into this one.
      for (const part of [...stack.registries, stack.agent, stack.engine]) if (!part.running) await part.start();
      const outcome = await runCell(stack, cell, cardNumber);
      outcomes.push(outcome);
      expect(outcome.problems, `${outcome.seen.join(' → ')}\n${outcome.records}`).toEqual([]);
    }, 300_000);
  });
});
