import { describe, expect, it } from 'vitest';
import { createLogger } from '../../services/shared/log.ts';

describe('logger', () => {
  it('writes one JSON line per record with part and level', () => {
    const lines: string[] = [];
    createLogger('engine', (line) => lines.push(line)).child('kiosk-1').warn('card removed', { cardNumber: 'TT1' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', part: 'engine.kiosk-1', msg: 'card removed', cardNumber: 'TT1' });
  });

  it('drops fields named like secrets, whatever the caller passed', () => {
    const lines: string[] = [];
    const log = createLogger('test', (line) => lines.push(line));
    log.info('oops', { pin: 'PIN-canary-1', userCode: 'UC-canary-2', responsibleId: 'A123456789', soCredential: 'SO-canary-3', ok: true });
    const text = lines.join('\n');
    for (const canary of ['PIN-canary-1', 'UC-canary-2', 'A123456789', 'SO-canary-3']) expect(text).not.toContain(canary);
    expect(JSON.parse(lines[0]!)).toMatchObject({ ok: true });
  });
});
