// docs/states.md is generated from the machine (npm run states): it must match what the machine
// says now, so a changed state, transition or error path cannot leave the document stale.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, SCREENS } from '../../machines/contract/index.ts';
import { describeSessionStates } from '../../kiosk/tools/states-describe.ts';

describe('docs/states.md', () => {
  const generated = describeSessionStates();

  it('is what `npm run states` prints now', () => {
    const onDisk = readFileSync(new URL('../../docs/states.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(generated);
  });

  it('names every screen and every error code', () => {
    for (const screen of SCREENS) expect(generated, screen).toContain(`\`${screen}\``);
    for (const code of ERROR_CODES) expect(generated, code).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });
});
