// Who is on the other end of a loopback connection: the OS user that owns the client's socket.
// The UI server hands a NATS login only to the kiosk browser's user (docs/security.md, threat 12);
// browser headers say which page asks, but any local process can send or omit them.
// The kernel knows the owner of every TCP socket: /proc/net/tcp and /proc/net/tcp6 list each one
// with its local and remote address and its `uid`. The client's socket is the entry whose local
// end is the connection's remote end and whose remote end is our listening address.
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';

/** Where the kernel lists this network namespace's TCP sockets (IPv4, then IPv6 and mapped IPv4). */
export const PROC_NET_TCP = ['/proc/net/tcp', '/proc/net/tcp6'] as const;

/** `01`: a connection both ends have set up; listening and closing sockets are not clients. */
const ESTABLISHED = '01';

export interface TcpEnd {
  address: string;
  port: number;
}

/**
 * One address in a form both sides compare equal: IPv4 as dotted quad (also when IPv4-mapped IPv6),
 * IPv6 as eight 4-digit lower-case groups.
 */
export function canonicalAddress(address: string): string {
  const mapped = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1] as string;
  const [head = '', tail] = address.toLowerCase().split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(missing).fill('0'), ...right].map((group) => group.padStart(4, '0'));
  // IPv4-mapped in hex groups (::ffff:7f00:1), as the kernel's tables write it.
  if (groups.length === 8 && groups.slice(0, 5).every((group) => group === '0000') && groups[5] === 'ffff') {
    const [high, low] = [Number.parseInt(groups[6] as string, 16), Number.parseInt(groups[7] as string, 16)];
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return groups.join(':');
}

/** Bytes of a /proc/net/tcp* address: 32-bit words, each in the machine's (little-endian) order. */
function procBytes(hex: string): number[] {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const chunk = hex.slice(word, word + 8);
    for (let at = 6; at >= 0; at -= 2) bytes.push(Number.parseInt(chunk.slice(at, at + 2), 16));
  }
  return bytes;
}

/** `0100007F:1F90` → {127.0.0.1, 8080}; the IPv6 form likewise, through canonicalAddress. */
export function parseProcEnd(field: string): TcpEnd {
  const [hexAddress = '', hexPort = ''] = field.split(':');
  const bytes = procBytes(hexAddress);
  const port = Number.parseInt(hexPort, 16);
  if (bytes.length === 4) return { address: bytes.join('.'), port };
  const groups: string[] = [];
  for (let at = 0; at < 16; at += 2) groups.push((((bytes[at] as number) << 8) | (bytes[at + 1] as number)).toString(16));
  return { address: canonicalAddress(groups.join(':')), port };
}

const sameEnd = (a: TcpEnd, b: TcpEnd) => a.port === b.port && canonicalAddress(a.address) === canonicalAddress(b.address);

/**
 * The uids owning established sockets from `client` to `server` in the text of /proc/net/tcp*.
 * One connection has one entry; more than one (or none) means we cannot say, and the caller refuses.
 * An entry seen twice (the same inode: the table was read while it changed) counts once.
 */
export function socketOwners(procText: string, client: TcpEnd, server: TcpEnd): number[] {
  const owners = new Map<string, number>();
  for (const line of procText.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== ESTABLISHED) continue;
    if (!sameEnd(parseProcEnd(fields[1] as string), client) || !sameEnd(parseProcEnd(fields[2] as string), server)) continue;
    owners.set(fields[9] as string, Number(fields[7]));
  }
  return [...owners.values()];
}

/** Both of this network namespace's tables, as one text per file. */
async function readProcTables(): Promise<string[]> {
  return Promise.all(PROC_NET_TCP.map((file) => readFile(file, 'utf8').catch(() => '')));
}

/**
 * How often the tables are read before a connection is taken as not found. The kernel writes them
 * a page at a time, so a read while other sockets open and close can skip an entry (seen with
 * hundreds of sockets on a busy test machine); reading again finds it. A refusal stays a refusal.
 */
const TABLE_READS = 3;

/** The uid of the process side of a loopback connection; undefined when the kernel does not say exactly one. */
export async function peerUid(client: TcpEnd, server: TcpEnd, readTables: () => Promise<string[]> = readProcTables): Promise<number | undefined> {
  for (let read = 0; read < TABLE_READS; read++) {
    const owners = (await readTables()).flatMap((text) => socketOwners(text, client, server));
    if (owners.length === 1) return owners[0];
    // Two sockets with one pair of ends cannot both be established: that is no answer to retry.
    if (owners.length > 1) return undefined;
  }
  return undefined;
}

/**
 * `KIOSK_BROWSER_UID`: the users whose browser may receive a page login, as uids or user names,
 * comma-separated. Unset: the uid this process runs as (the embedded stack, where whoever runs
 * `npm start` opens the pages). A name that is no user is an error at start, not a silent refusal.
 */
export function browserUids(raw: string | undefined, ownUid: number | undefined = process.getuid?.()): number[] {
  const entries = (raw ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) {
    if (ownUid === undefined) throw new Error('KIOSK_BROWSER_UID must be set where processes have no uid');
    return [ownUid];
  }
  return entries.map((entry) => {
    if (/^\d+$/.test(entry)) return Number(entry);
    if (!/^[a-z_][a-z0-9_-]*\$?$/i.test(entry)) throw new Error(`KIOSK_BROWSER_UID: not a user name or uid: ${JSON.stringify(entry)}`);
    try {
      return Number(execFileSync('id', ['-u', entry], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    } catch {
      throw new Error(`KIOSK_BROWSER_UID: no such user ${JSON.stringify(entry)}`);
    }
  });
}
