// Reading the owner of a loopback connection from the kernel's socket tables (services/ui/login-peer.ts).
// The lines are in /proc/net/tcp's and /proc/net/tcp6's own format; the integration test
// tests/integration/local-user-boundary.test.ts reads the real tables under two real users.
import { describe, expect, it } from 'vitest';
import { browserUids, canonicalAddress, parseProcEnd, peerUid, socketOwners } from '../../services/ui/login-peer.ts';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const row = (local: string, remote: string, state: string, uid: number, inode = 12345) =>
  `   0: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000 ${uid}        0 ${inode} 1 0000000000000000 20 4 30 10 -1`;

describe('the kernel\'s socket tables', () => {
  it('reads IPv4 and IPv6 ends (little-endian words)', () => {
    expect(parseProcEnd('0100007F:1F90')).toEqual({ address: '127.0.0.1', port: 8080 });
    expect(parseProcEnd('00000000000000000000000001000000:0050')).toEqual({ address: canonicalAddress('::1'), port: 80 });
    expect(parseProcEnd('0000000000000000FFFF00000100007F:D431')).toEqual({ address: '127.0.0.1', port: 54321 });
  });

  it('compares addresses however they are written', () => {
    expect(canonicalAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalAddress('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(canonicalAddress('::1')).toBe('0000:0000:0000:0000:0000:0000:0000:0001');
    expect(canonicalAddress('fe80::1:2')).toBe('fe80:0000:0000:0000:0000:0000:0001:0002');
  });

  it('finds the client\'s established socket to our port, and only that one', () => {
    const server = { address: '127.0.0.1', port: 8080 };
    const client = { address: '127.0.0.1', port: 54321 };
    const table = [
      HEADER,
      row('0100007F:1F90', '00000000:0000', '0A', 0), // our listening socket
      row('0100007F:1F90', '0100007F:D431', '01', 0), // our end of the connection
      row('0100007F:D431', '0100007F:1F90', '01', 65534), // the client's end
      row('0200007F:D431', '0100007F:1F90', '01', 1000), // another source address, same port
      row('0100007F:D431', '0100007F:1F91', '01', 1001), // same port, to another server
    ].join('\n');
    expect(socketOwners(table, client, server)).toEqual([65534]);
    expect(socketOwners(table, { address: '::ffff:127.0.0.1', port: 54321 }, { address: '::ffff:127.0.0.1', port: 8080 })).toEqual([65534]);
    expect(socketOwners(table, { address: '127.0.0.1', port: 1 }, server)).toEqual([]);
  });

  it('counts an entry the table listed twice (one inode) once, and two sockets as no answer', () => {
    const client = { address: '127.0.0.1', port: 54321 };
    const server = { address: '127.0.0.1', port: 8080 };
    const clientEnd = row('0100007F:D431', '0100007F:1F90', '01', 65534, 777);
    expect(socketOwners([HEADER, clientEnd, clientEnd].join('\n'), client, server)).toEqual([65534]);
    expect(socketOwners([HEADER, clientEnd, row('0100007F:D431', '0100007F:1F90', '01', 1000, 778)].join('\n'), client, server)).toEqual([65534, 1000]);
  });

  it('reads the tables again when a read missed the connection (they are written a page at a time)', async () => {
    const client = { address: '127.0.0.1', port: 54321 };
    const server = { address: '127.0.0.1', port: 8080 };
    const found = [HEADER, row('0100007F:D431', '0100007F:1F90', '01', 65534)].join('\n');
    const reads = [[HEADER, HEADER], [found, HEADER]];
    let read = 0;
    expect(await peerUid(client, server, async () => reads[read++] ?? [HEADER])).toBe(65534);
    expect(read).toBe(2);
    // Never found: refused after a bounded number of reads.
    let empty = 0;
    expect(await peerUid(client, server, async () => (empty++, [HEADER]))).toBeUndefined();
    expect(empty).toBe(3);
    // Two owners: refused at once, no second read.
    let twice = 0;
    const two = [HEADER, row('0100007F:D431', '0100007F:1F90', '01', 65534, 1), row('0100007F:D431', '0100007F:1F90', '01', 0, 2)].join('\n');
    expect(await peerUid(client, server, async () => (twice++, [two]))).toBeUndefined();
    expect(twice).toBe(1);
  });

  it('ignores a socket that is not established (closing, waiting)', () => {
    const table = [HEADER, row('0100007F:D431', '0100007F:1F90', '06', 65534)].join('\n');
    expect(socketOwners(table, { address: '127.0.0.1', port: 54321 }, { address: '127.0.0.1', port: 8080 })).toEqual([]);
  });
});

describe('KIOSK_BROWSER_UID', () => {
  it('defaults to the uid the server runs as', () => {
    expect(browserUids(undefined, 1234)).toEqual([1234]);
    expect(browserUids('', 1234)).toEqual([1234]);
  });

  it('takes uids and user names, comma-separated', () => {
    expect(browserUids('0, nobody ,1000', 1)).toEqual([0, 65534, 1000]);
  });

  it('refuses a name that is no user, or no name at all', () => {
    expect(() => browserUids('no-such-user-here', 1)).toThrow(/no such user/);
    expect(() => browserUids('a b;c', 1)).toThrow(/not a user name/);
  });
});
