// services/kiosk-engine/input-gate.ts on the NATS runtime against a real nats-server: what the UI,
// staff and the card agent send is decoded with its contract schema (else refused with BAD_REQUEST,
// counted, nothing delivered), a staff event passes only once its token check stands, and events
// reach the session in the order they arrived. Stand-ins: the staff check (the test decides, and
// holds, its answer; staff-check.ts has its own test with the real registry) and a recording
// `deliver` in place of the session host.
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ContractError, kioskSubjects } from '../../machines/contract/index.ts';
import { StaffError } from '../../machines/contract/staff.ts';
import type { SessionEvent } from '../../machines/session/index.ts';
import { createLogger } from '../../platform/log.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { PartRuntime } from '../../platform/nats-runtime.ts';
import type { StaffIdentity } from '../../services/staff-auth/staff-token.ts';
import { InputGate } from '../../services/kiosk-engine/input-gate.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { until } from '../support/until.ts';

const subjects = kioskSubjects('k-gate');
const staffMember = (staffId: string) => ({ staffId, name: 'x', expiresAt: '2099-01-01T00:00:00Z', issuedAt: 0 }) as StaffIdentity;

describe('the input gate', () => {
  let nats: TestNats;
  let client: NatsConnection;
  let part: PartRuntime | undefined;
  beforeAll(async () => {
    nats = await startTestNats();
    client = await nats.connect('ui-and-staff');
  });
  afterEach(async () => {
    await part?.stop();
    part = undefined;
  });
  afterAll(() => nats.stop());

  async function openGate(checkStaff: (token: string | undefined) => Promise<StaffIdentity>) {
    const lines: string[] = [];
    const log = createLogger('engine', (line) => lines.push(line));
    part = await PartRuntime.open({
      nc: await nats.connect('engine'),
      log,
      answering: { logEveryRequest: false, badRequest: () => new ContractError('BAD_REQUEST'), unexpected: () => new ContractError('BAD_REQUEST') },
    });
    const delivered: Array<{ event: SessionEvent; source: string }> = [];
    const gate = new InputGate({ part, subjects, checkStaff, deliver: (event, source) => delivered.push({ event, source }) });
    await part.ready();
    return { gate, delivered, lines };
  }

  it('delivers well-formed input and card events, and refuses the rest with BAD_REQUEST', async () => {
    const { gate, delivered, lines } = await openGate(() => Promise.reject(new Error('no staff here')));
    client.publish(subjects.input, encodeJson({ type: 'user.choosePath', path: 'self-applied' }));
    client.publish(subjects.cardEvents, encodeJson({ type: 'card.inserted', reader: 'reader-0', at: '2026-06-01T00:00:00Z' }));
    const refused = await client.request(subjects.input, encodeJson({ type: 'user.submitPin', pin: 918273 }), { timeout: 5_000 });
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('BAD_REQUEST');
    expect(refused.headers?.get('Nats-Service-Error')).toBe('BAD_REQUEST');
    client.publish(subjects.cardEvents, new TextEncoder().encode('not json'));
    await until(() => gate.counts().rejected === 2, 'two refusals counted');
    expect(delivered).toEqual([
      { event: { type: 'user.choosePath', path: 'self-applied' }, source: 'input' },
      { event: { type: 'card.inserted', reader: 'reader-0', at: '2026-06-01T00:00:00Z' }, source: 'card' },
    ]);
    // The problems name fields, never values (a value no timestamp or id can hold by chance).
    expect(lines.filter((line) => line.includes('message failed validation'))).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('918273');
  });

  it("lets a staff event through with the check's staff id, never the body's, and refuses one whose token does not stand", async () => {
    const { gate, delivered, lines } = await openGate(async (token) => {
      if (token === 'good-token') return staffMember('S07');
      throw new StaffError('STAFF_TOKEN_REVOKED', 'revoked');
    });
    client.publish(subjects.staff, encodeJson({ type: 'staff.abort', staffId: 'S99', token: 'good-token' }));
    const refused = await client.request(subjects.staff, encodeJson({ type: 'staff.abort', token: 'bad-token' }), { timeout: 5_000 });
    expect(refused.headers?.get('Nats-Service-Error')).toBe('STAFF_TOKEN_REVOKED');
    await until(() => delivered.length === 1, 'the staff event with a standing token');
    expect(delivered).toEqual([{ event: { type: 'staff.abort', staffId: 'S07' }, source: 'staff' }]);
    expect(gate.counts()).toEqual({ rejected: 0, staffRefused: 1 });
    expect(lines.join('\n')).not.toContain('good-token');
    expect(lines.join('\n')).not.toContain('bad-token');
  });

  it('holds what arrives after a staff event until its token check is done, then delivers in arrival order', async () => {
    let stand!: (staff: StaffIdentity) => void;
    const checking = new Promise<StaffIdentity>((resolve) => (stand = resolve));
    const { gate, delivered } = await openGate(() => checking);
    client.publish(subjects.staff, encodeJson({ type: 'staff.abort', token: 'held-token' }));
    client.publish(subjects.cardEvents, encodeJson({ type: 'card.inserted', reader: 'reader-0', at: '2026-06-01T00:00:00Z' }));
    client.publish(subjects.input, encodeJson({ type: 'user.choosePath', path: 'self-applied' }));
    // A request after them on the same connection: once it is answered, the gate has taken all three.
    await client.request(subjects.input, encodeJson({ type: 'not.an.event' }), { timeout: 5_000 });
    expect(delivered).toEqual([]);
    stand(staffMember('S01'));
    await gate.idle();
    expect(delivered.map(({ event }) => event.type)).toEqual(['staff.abort', 'card.inserted', 'user.choosePath']);
  });
});
