// Sessions recorded as traces (tests/traces/*.json, written by tests/traces/record.ts, or exported
// from the inspector) replayed against the session machine: the same states, screens and codes.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTrace, TraceRecorder, type SessionTrace } from '../../kiosk/inspector/trace.ts';
import { redactEvent, SECRET_PLACEHOLDER } from '../../machines/session/redact.ts';
import { replayTrace } from '../traces/replay.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'traces');
const files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();

const recorded = (trace: SessionTrace) =>
  trace.steps.map((step) => ({ state: step.state, screen: step.screen, ...(step.code ? { code: step.code } : {}) }));

describe('recorded traces replay against the machine', () => {
  it('has traces of both paths and of every error family', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'activated-self-applied.json',
        'activated-registration-bundled.json',
        'error-correctInput.json',
        'error-none.json',
        'error-reinsert.json',
        'error-retry.json',
        'error-staff.json',
        'error-startOver.json',
      ]),
    );
  });

  for (const file of files) {
    it(`${file}: same states, screens and codes`, () => {
      const trace = parseTrace(readFileSync(join(dir, file), 'utf8'));
      expect(replayTrace(trace)).toEqual(recorded(trace));
    });
  }

  it('fails when the machine would go elsewhere than the recording', () => {
    const trace = parseTrace(readFileSync(join(dir, 'activated-self-applied.json'), 'utf8'));
    const pinStep = trace.steps.findIndex((step) => step.event.type === 'user.submitPin');
    // A recording in which the PIN led straight to activation cannot be replayed by this machine.
    const altered: SessionTrace = {
      ...trace,
      steps: trace.steps.map((step, index) => (index === pinStep ? { ...step, state: 'session.activated', screen: 'activated' } : step)),
    };
    expect(replayTrace(altered)).not.toEqual(recorded(altered));
  });

  it('keeps no secret: placeholders in every file, and a live recording redacts what it receives', () => {
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const secret of ['Ab3$xyz9', 'A123456789', '246810', 'Nw7#code', 'act-1', 'new@example.com.tw']) expect(text).not.toContain(secret);
    }
    const recorder = new TraceRecorder('kioskSession');
    recorder.inspection({ seq: 1, at: '2026-06-01T00:00:00.000Z', kind: 'snapshot', state: 'awaitingCard', actor: 'x:0' });
    recorder.inspection({
      seq: 2,
      at: '2026-06-01T00:00:01.000Z',
      kind: 'event',
      event: { type: 'user.submitPin', pin: 'CANARY-PIN-1', pinConfirm: 'CANARY-PIN-1' },
      actor: 'x:0',
    });
    const text = JSON.stringify(recorder.toTrace());
    expect(text).not.toContain('CANARY');
    expect(recorder.steps[1]?.event).toEqual({ type: 'user.submitPin', pin: SECRET_PLACEHOLDER, pinConfirm: SECRET_PLACEHOLDER });
    expect(JSON.stringify(redactEvent({ type: 'x', output: { activationId: 'CANARY-ACT', nested: { userCode: 'CANARY-UC' } } } as never))).not.toContain('CANARY');
  });
});
