// `npm run cards -- import [--token-only] FILE` and `npm run cards -- list` (docs/contract.md, "The card import file");
// `npm run cards -- register FILE`, the issuing side's cards registered as made (docs/contract.md, "The register file").
//
// Talks to the registry on NATS_URL, or on 127.0.0.1:$NATS_PORT; when nothing answers there it
// starts a nats-server on the same DATA_DIR (the store `npm start` and the registry use) and a
// registry in this process, does its work and stops both: the command works alone and beside a
// running stack alike. It logs in as the stack's `admin` user (and its temporary registry as
// `registry`) with the credentials `npm start` keeps in $DATA_DIR/credentials (made here when
// this command runs first).
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import type { CardImportRecord } from '../../machines/contract/index.ts';
import { enrollAgentKey, importCards, listCards } from '../../platform/registry-admin-client.ts';
import { startRegistry, type RunningRegistry } from './registry.service.ts';
import { readConfig } from '../../platform/config.ts';
import { connectNats, connectPart } from '../../platform/nats-runtime.ts';
import { startNatsServer, type RunningNatsServer } from '../../platform/nats-server.ts';
import { embeddedServerAccess, ensureCredentials, inboxPrefixOf } from '../stack/credentials/index.ts';
import { demoSecrets, provisionCards, readCardFile, type ProvisionResult } from '../../card/demo/provision.ts';
import { checkRegisterFile, readIssuingCas, readRegisterFile, REGISTER_FILE_MAX_RECORDS, RegisterRefusal } from '../../card/issuance/register-file.ts';
import { useSoftHsmDataDir } from '../../card/token/softhsm.ts';
import { acquireTokenClient, DEFAULT_PKCS11_MODULE, releaseTokenClient } from '../../card/token/token.client.ts';
import { runsFromSource } from '../../platform/source-or-build.ts';

/** How the operator runs this command: from the release (its bundle, docs/operations.md) or from a clone. */
const RUN = runsFromSource(import.meta.url) ? 'npm run cards --' : 'node dist/cards.mjs';

const USAGE = `usage: ${RUN} import [--token-only] FILE
       ${RUN} register FILE   (cards the issuing side made; ISSUING_CA_FILE: its CA certificates)
       ${RUN} list
       ${RUN} enroll-agent KIOSK_ID PUBLIC_KEY   (the key the card agent logs as agentPublicKey)`;

interface Registry {
  nc: NatsConnection;
  /** Stops what this command started (nothing when it joined a running stack). */
  close(): Promise<void>;
  where: string;
}

async function openRegistry(): Promise<Registry> {
  const config = readConfig();
  const url = config.natsUrl ?? `nats://127.0.0.1:${config.natsPort}`;
  // NATS_USER (production) wins; otherwise the embedded stack's admin login.
  const login = async (user: 'admin' | 'registry') => {
    if (config.natsUser !== undefined) return {};
    const { password } = await ensureCredentials(config.dataDir, user);
    return { user, pass: password, inboxPrefix: inboxPrefixOf(user) };
  };
  try {
    const nc = await connectPart(config, 'cards-cli', { servers: url, ...(await login('admin')), maxReconnectAttempts: 10 });
    return { nc, where: url, close: () => nc.drain() };
  } catch (error) {
    if (config.natsUrl !== undefined) throw error;
  }
  let server: RunningNatsServer | undefined;
  let nc: NatsConnection | undefined;
  let registryNc: NatsConnection | undefined;
  let registry: RunningRegistry | undefined;
  try {
    server = await startNatsServer({
      dataDir: join(config.dataDir, 'nats'),
      port: config.natsPort,
      name: 'cards-nats',
      access: await embeddedServerAccess(config),
    });
    registryNc = await connectNats({ servers: server.url, name: 'cards-registry', ...(await login('registry')) });
    nc = await connectNats({ servers: server.url, name: 'cards-cli', ...(await login('admin')) });
    registry = await startRegistry({ nc: registryNc, dataDir: config.dataDir });
  } catch (error) {
    await nc?.close();
    await registryNc?.close();
    await server?.stop();
    throw error;
  }
  const [startedServer, startedNc, startedRegistry, startedRegistryNc] = [server, nc, registry, registryNc];
  return {
    nc: startedNc,
    where: `a temporary nats-server on ${startedServer.url} and registry (DATA_DIR ${config.dataDir})`,
    async close() {
      await startedRegistry.stop();
      await startedNc.drain();
      await startedRegistryNc.drain();
      await startedServer.stop();
    },
  };
}


function line(record: CardImportRecord, result: ProvisionResult): string {
  const columns = [
    record.cardNumber,
    record.route.padEnd(20),
    (result.status ?? record.status).padEnd(22),
    `token ${result.token}`.padEnd(16),
    `registry ${result.registry}`.padEnd(24),
    demoSecrets(record),
  ];
  return result.problem === undefined ? columns.join('  ') : `${columns.join('  ')}\n  problem: ${result.problem}`;
}

async function importCommand(args: string[]): Promise<number> {
  const tokenOnly = args.includes('--token-only');
  const files = args.filter((arg) => arg !== '--token-only');
  const [file] = files;
  if (file === undefined || files.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const records = await readCardFile(file);
  const config = readConfig();
  if (tokenOnly) {
    const results = await provisionCards({ dataDir: config.dataDir, records, tokenOnly: true });
    results.forEach((result, index) => console.log(line(records[index] as CardImportRecord, result)));
    console.log(`${results.length} card(s): tokens under ${join(config.dataDir, 'softhsm')}, none registered`);
    return results.some((result) => result.problem !== undefined) ? 1 : 0;
  }
  const registry = await openRegistry();
  try {
    const results = await provisionCards({ dataDir: config.dataDir, records, nc: registry.nc });
    results.forEach((result, index) => console.log(line(records[index] as CardImportRecord, result)));
    console.log(`${results.length} card(s): tokens under ${join(config.dataDir, 'softhsm')}, registered with ${registry.where}`);
    return results.some((result) => result.problem !== undefined) ? 1 : 0;
  } finally {
    await registry.close();
  }
}

/**
 * Cards personalised elsewhere: their records checked against their certificates (and the issuing
 * CA, with ISSUING_CA_FILE), then registered in one import. Makes no token. A file with any problem
 * registers nothing.
 */
async function registerCommand(args: string[]): Promise<number> {
  const [file] = args;
  if (file === undefined || args.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const caFile = process.env.ISSUING_CA_FILE;
  let records;
  try {
    const issuingCas = caFile === undefined || caFile === '' ? undefined : await readIssuingCas(caFile);
    records = checkRegisterFile(file, await readRegisterFile(file), issuingCas);
  } catch (error) {
    if (!(error instanceof RegisterRefusal)) throw error;
    console.error(`cards: ${error.message}`);
    return 1;
  }
  const registry = await openRegistry();
  try {
    // One request for the whole file: the registry refuses a request whole or writes it.
    const results = await importCards(registry.nc, records, { batchSize: REGISTER_FILE_MAX_RECORDS });
    for (const result of results) {
      const record = records.find((r) => r.cardNumber === result.cardNumber);
      console.log([result.cardNumber, (record?.route ?? '').padEnd(20), result.status.padEnd(22), result.outcome.padEnd(9), `serial ${record?.certSerial ?? ''}`].join('  '));
    }
    const signed = caFile === undefined || caFile === '' ? 'issuer not checked (no ISSUING_CA_FILE)' : `signed by ${caFile}`;
    console.log(`${results.length} card(s) registered with ${registry.where}; ${signed}`);
    return 0;
  } finally {
    await registry.close();
  }
}

async function listCommand(): Promise<number> {
  const config = readConfig();
  await useSoftHsmDataDir(config.dataDir);
  const client = acquireTokenClient(DEFAULT_PKCS11_MODULE);
  let labels: Set<string>;
  try {
    labels = new Set((await client.call({ op: 'tokens' })).map((token) => token.label));
  } finally {
    await releaseTokenClient(client);
  }
  const registry = await openRegistry();
  try {
    const cards = await listCards(registry.nc);
    for (const card of cards) {
      console.log([card.cardNumber, card.route.padEnd(20), card.status.padEnd(22), labels.has(card.cardNumber) ? 'token here' : 'no token here'].join('  '));
    }
    const unregistered = [...labels].filter((label) => !cards.some((card) => card.cardNumber === label)).sort();
    for (const label of unregistered) console.log(`${label}  (token only: unknown to the registry)`);
    return 0;
  } finally {
    await registry.close();
  }
}

/** Production provisioning: an operator enrolls the public key a kiosk's card agent made and logged. */
async function enrollAgentCommand(args: string[]): Promise<number> {
  const [kioskId, publicKey] = args;
  if (kioskId === undefined || publicKey === undefined || args.length !== 2) {
    console.error(USAGE);
    return 2;
  }
  const registry = await openRegistry();
  try {
    console.log(`kiosk ${kioskId}: card-agent key ${await enrollAgentKey(registry.nc, kioskId, publicKey)}`);
    return 0;
  } finally {
    await registry.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'enroll-agent') return enrollAgentCommand(args);
  if (command === 'import') return importCommand(args);
  if (command === 'register') return registerCommand(args);
  if (command === 'list' && args.length === 0) return listCommand();
  console.error(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`cards: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
