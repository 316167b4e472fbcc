// The card agent's reader events (card/reader-announcer.ts): nothing before the agent answers,
// `reader.attached` for every reader when it starts answering and at each announce() (the agent
// calls it after every reconnect; platform/nats-runtime.ts's onReconnect is tested against a real
// nats-server in nats-runtime.test.ts), every reader event in between, nothing after stop().
import { describe, expect, it } from 'vitest';
import { ReaderAnnouncer } from '../../card/reader-announcer.ts';
import type { ReaderEvent } from '../../card/readers/reader.ts';
import { SIM_ATR, SIM_READER_NAME, SimulatedReaders } from '../../card/readers/sim.reader.ts';
import { createLogger } from '../../platform/log.ts';

async function world() {
  const readers = new SimulatedReaders();
  const published: ReaderEvent[] = [];
  const lines: string[] = [];
  const announcer = new ReaderAnnouncer({ readers, publish: (event) => published.push(event), log: createLogger('test', (line) => lines.push(line)) });
  return { readers, published, lines, announcer, types: () => published.map((event) => `${event.type} ${event.reader}`) };
}

describe('reader announcer', () => {
  it('publishes nothing before the agent answers, then announces every reader', async () => {
    const { readers, announcer, published, types } = await world();
    await readers.start();
    readers.insert('TT00000000000051');
    announcer.announce();
    expect(published).toEqual([]);
    announcer.start();
    expect(types()).toEqual([`reader.attached ${SIM_READER_NAME}`]);
    expect(Number.isNaN(Date.parse(published[0]!.at))).toBe(false);
  });

  it('passes every reader event on once answering, and announces again on each announce()', async () => {
    const { readers, announcer, published, types, lines } = await world();
    await readers.start();
    announcer.start();
    readers.insert('TT00000000000051');
    readers.remove();
    announcer.announce();
    expect(types()).toEqual([
      `reader.attached ${SIM_READER_NAME}`,
      `card.inserted ${SIM_READER_NAME}`,
      `card.removed ${SIM_READER_NAME}`,
      `reader.attached ${SIM_READER_NAME}`,
    ]);
    expect(published[1]!.atr).toBe(SIM_ATR);
    expect(lines.map((line) => JSON.parse(line) as { msg: string; type: string })).toHaveLength(4);
    expect(lines.every((line) => (JSON.parse(line) as { msg: string }).msg === 'card event')).toBe(true);
  });

  it('publishes nothing after stop()', async () => {
    const { readers, announcer, published } = await world();
    await readers.start();
    announcer.start();
    announcer.stop();
    readers.insert('TT00000000000051');
    announcer.announce();
    expect(published).toHaveLength(1);
  });
});
