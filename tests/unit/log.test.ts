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

  it('keeps a line\'s fields in order: at, level, part, msg, then the caller\'s as given, a clashing name replacing in place', () => {
    const lines: string[] = [];
    const log = createLogger('registry', (line) => lines.push(line));
    const before = Date.now();
    log.info('request', { endpoint: 'accept', kiosk: 'kiosk-1', card: 'TT1', pin: '1234', when: undefined, outcome: 'ok', ms: 1.5 });
    log.warn('first', { msg: 'second', level: 'loud' });
    const [first, second] = lines as [string, string];
    expect(Object.keys(JSON.parse(first))).toEqual(['at', 'level', 'part', 'msg', 'endpoint', 'kiosk', 'card', 'outcome', 'ms']);
    expect(first).toMatch(/^\{"at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","level":"info","part":"registry","msg":"request","endpoint":"accept","kiosk":"kiosk-1","card":"TT1","outcome":"ok","ms":1.5\}$/);
    const at = Date.parse((JSON.parse(first) as { at: string }).at);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(second.slice(second.indexOf('"level"'))).toBe('"level":"loud","part":"registry","msg":"second"}');
  });
});
