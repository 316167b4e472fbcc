import { describe, expect, it } from 'vitest';
import { createLogger } from '../../platform/log.ts';

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

  it('drops secret fields at any depth, in objects and arrays', () => {
    const lines: string[] = [];
    const log = createLogger('test', (line) => lines.push(line));
    log.error('request failed', {
      request: { kioskId: 'k1', input: { pin: 'PIN-canary-4', birthDate: '0690517' } },
      attempts: [{ userCode: 'UC-canary-5', n: 1 }],
      pinBytes: new TextEncoder().encode('PIN-canary-6'),
    });
    const text = lines.join('\n');
    for (const canary of ['PIN-canary-4', '0690517', 'UC-canary-5', 'PIN-canary-6']) expect(text).not.toContain(canary);
    expect(JSON.parse(lines[0]!)).toMatchObject({ request: { kioskId: 'k1', input: {} }, attempts: [{ n: 1 }] });
  });

  it('logs a cyclic value without stalling', () => {
    const lines: string[] = [];
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    createLogger('test', (line) => lines.push(line)).warn('odd', { cyclic });
    expect(JSON.parse(lines[0]!)).toMatchObject({ cyclic: { name: 'loop' } });
  });
});
