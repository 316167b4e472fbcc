// `npm run audit -- export [--from ISO] [--to ISO]` | `verify <file> [--public-key <key>]` | `public-key`:
// the operator's side of the audit trail (docs/security.md, "The audit trail").
//   export  writes RA_AUDIT as JSON lines on stdout, each exactly as stored (the chain hashes the
//           stored bytes), read message by message: no consumer, the admin login suffices.
//   verify  checks an export's chain and checkpoint signatures; exits 1 naming the first bad entry.
//   public-key prints the checkpoint key, derived from the registry key (REGISTRY_KEY or
//           DATA_DIR/registry.key); verify uses it unless given another with --public-key.
// Connects like `npm run staff`: NATS_URL / NATS_USER, or the embedded stack's admin login.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { readConfig } from '../../platform/config.ts';
import { connectPart } from '../../platform/nats-runtime.ts';
import { inboxPrefixOf, readCredentialsSync } from '../stack/credentials/index.ts';
import { publicKeyText, signingKeyFromSeed, verifyChain } from './audit-chain.ts';
import { loadRegistryKey, RegistrySecrets } from './registry-secrets.ts';
import { STAFF_AUDIT_STREAM } from './staff-audit.ts';
import { runsFromSource } from '../../platform/source-or-build.ts';

/** How the operator runs this command: from the release (its bundle, docs/operations.md) or from a clone. */
const RUN = runsFromSource(import.meta.url) ? 'npm run audit --' : 'node dist/audit.mjs';

const USAGE = `usage: ${RUN} export [--from ISO] [--to ISO]
       ${RUN} verify <file> [--public-key <key>]
       ${RUN} public-key`;

/** The audit's messages from `first` to `last` stream sequence, each as stored. */
async function* storedMessages(jsm: JetStreamManager): AsyncGenerator<{ data: string; at: string | undefined }> {
  const { state } = (await jsm.streams.info(STAFF_AUDIT_STREAM));
  if (state.messages === 0) return;
  for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
    const msg = await jsm.streams.getMessage(STAFF_AUDIT_STREAM, { seq });
    if (msg === null) continue;
    const data = msg.string();
    yield { data, at: (JSON.parse(data) as { at?: string }).at };
  }
}

async function checkpointPublicKey(): Promise<string> {
  const config = readConfig();
  const dataDir = resolve(config.dataDir);
  // Only a key that exists: a key made here would sign nothing the registry wrote.
  if (!process.env.REGISTRY_KEY && !existsSync(join(dataDir, 'registry.key'))) {
    throw new Error(`no registry key here (REGISTRY_KEY or ${join(dataDir, 'registry.key')}): give --public-key`);
  }
  const key = await loadRegistryKey({ dataDir });
  return publicKeyText(signingKeyFromSeed(new RegistrySecrets(key).auditSigningSeed()));
}

function isoOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`${name} is not an ISO time: ${value}`);
  return ms;
}

async function exportAudit(fromIso: string | undefined, toIso: string | undefined): Promise<void> {
  const from = isoOption(fromIso, '--from');
  const to = isoOption(toIso, '--to');
  const config = readConfig();
  const url = config.natsUrl ?? `nats://127.0.0.1:${config.natsPort}`;
  const admin = config.natsUser === undefined ? readCredentialsSync(config.dataDir, 'admin') : undefined;
  const login = admin === undefined ? {} : { user: admin.user, pass: admin.password, inboxPrefix: inboxPrefixOf('admin') };
  const nc = await connectPart(config, 'audit-cli', { servers: url, ...login, maxReconnectAttempts: 0 }).catch(() => {
    throw new Error(`no stack answers on ${url}: start it (npm start) or set NATS_URL`);
  });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const { data, at } of storedMessages(jsm)) {
      const ms = at === undefined ? undefined : Date.parse(at);
      if (ms !== undefined && ((from !== undefined && ms < from) || (to !== undefined && ms > to))) continue;
      if (!process.stdout.write(`${data}\n`)) await new Promise((done) => process.stdout.once('drain', done));
    }
  } finally {
    await nc.drain();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { from: { type: 'string' }, to: { type: 'string' }, 'public-key': { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  if (command === 'export' && rest.length === 0) {
    await exportAudit(values.from, values.to);
    return 0;
  }
  if (command === 'verify' && rest.length === 1) {
    const text = await readFile(rest[0] as string, 'utf8');
    const lines = text.split('\n').filter((line) => line.length > 0);
    const result = verifyChain(lines, values['public-key'] ?? (await checkpointPublicKey()));
    if (!result.ok) {
      process.stdout.write(`audit verify: FAILED at ${result.problem}\n`);
      return 1;
    }
    process.stdout.write(
      `audit verify: ok, ${result.entries} entries, ${result.checkpoints} signed checkpoints` +
        (result.uncovered > 0 ? `; the last ${result.uncovered} entries are chained but after the last checkpoint\n` : '\n'),
    );
    return 0;
  }
  if (command === 'public-key' && rest.length === 0) {
    process.stdout.write(`${await checkpointPublicKey()}\n`);
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
