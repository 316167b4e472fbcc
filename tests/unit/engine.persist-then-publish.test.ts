// services/kiosk-engine/persist-then-publish.ts with stand-ins for the snapshot store (a `save`
// the test holds and releases) and the view subject (a recording `publish`): each view leaves only
// after its record is written, one change at a time, and `writtenWhere` waits for the state itself.
import { describe, expect, it } from 'vitest';
import type { View } from '../../machines/contract/index.ts';
import { createLogger } from '../../platform/log.ts';
import { PersistThenPublish } from '../../services/kiosk-engine/persist-then-publish.ts';
import type { StoredSession } from '../../services/kiosk-engine/snapshot-store.ts';

const record = (seq: number): StoredSession => ({ seq, savedAt: '2026-06-01T00:00:00Z', session: { status: 'active', value: {}, context: {} as never, children: {} } });
const view = (seq: number) => ({ seq, screen: 'insertCard' }) as unknown as View;
const flushed = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A snapshot store whose writes wait until the test releases them; `fail` makes the next one fail. */
function heldStore() {
  const pending: Array<{ seq: number; release: () => void; fail: () => void }> = [];
  const written: number[] = [];
  const save = (stored: StoredSession) =>
    new Promise<void>((resolve, reject) => {
      pending.push({
        seq: stored.seq,
        release: () => {
          written.push(stored.seq);
          resolve();
        },
        fail: () => reject(new Error('KV refused')),
      });
    });
  return { pending, written, save };
}

function sequence() {
  const store = heldStore();
  const published: number[] = [];
  const lines: string[] = [];
  const writes = new PersistThenPublish({ save: store.save, publish: (v) => published.push(v.seq), log: createLogger('test', (line) => lines.push(line)) });
  return { store, published, lines, writes };
}

describe('persist then publish', () => {
  it('publishes a view only once its record is written, and writes one record at a time, in order', async () => {
    const { store, published, writes } = sequence();
    void writes.write(record(1), view(1));
    void writes.write(record(2), view(2));
    await flushed();
    expect(store.pending.map((write) => write.seq)).toEqual([1]);
    expect(published).toEqual([]);
    store.pending.shift()!.release();
    await flushed();
    expect(published).toEqual([1]);
    expect(store.pending.map((write) => write.seq)).toEqual([2]);
    store.pending.shift()!.release();
    await writes.idle();
    expect(published).toEqual([1, 2]);
    expect(writes.published?.seq).toBe(2);
    expect(writes.counts()).toEqual({ snapshotsPersisted: 2, persistFailures: 0, viewsPublished: 2 });
  });

  it('counts and logs a write KV refuses, and still shows the view', async () => {
    const { store, published, lines, writes } = sequence();
    const done = writes.write(record(1), view(1));
    await flushed();
    store.pending.shift()!.fail();
    await done;
    expect(published).toEqual([1]);
    expect(writes.counts()).toEqual({ snapshotsPersisted: 0, persistFailures: 1, viewsPublished: 1 });
    expect(lines.some((line) => line.includes('could not persist the session snapshot'))).toBe(true);
  });

  it('writtenWhere waits for a record that holds, not for the next write', async () => {
    const { store, writes } = sequence();
    let heard = false;
    void writes.write(record(1));
    void writes.write(record(2));
    void writes.writtenWhere((stored) => stored.seq === 2).then(() => (heard = true));
    await flushed();
    store.pending.shift()!.release();
    await flushed();
    expect(heard).toBe(false);
    store.pending.shift()!.release();
    await writes.idle();
    await flushed();
    expect(heard).toBe(true);
    // The newest written record holds: at once, though a later write is still in flight.
    void writes.write(record(3));
    await writes.writtenWhere((stored) => stored.seq === 2);
    expect(store.written).toEqual([1, 2]);
    await flushed();
    store.pending.shift()!.release();
    await writes.idle();
  });
});
