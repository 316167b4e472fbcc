// The agent's side of the PKCS#11 worker: posts typed requests, matches replies by id, and maps
// failures to contract errors through `card/errors.ts`.
//
// One worker per process and module path, shared by everyone who asks (the agent, demo-card
// provisioning started by `npm start`): a PKCS#11 library is one instance per process, so two
// owners calling C_Initialize / C_Finalize on it would pull each other's sessions away.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ContractError } from '../../machines/contract/index.ts';
import { pinFlagsError, pinFlagsOf, pkcs11Error, situationError } from '../errors.ts';
import type { WorkerFailure, WorkerReply, WorkerRequest, WorkerResults, WorkerSetup } from './protocol.ts';
import { entryBeside } from '../../platform/source-or-build.ts';

export const DEFAULT_PKCS11_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

/**
 * Which worker the process's clients start: the production one (card operations only) unless a
 * demo module asked for the demo worker (useDemoWorker) before the first client started. From the
 * sources the entries are TypeScript; from the release build (`npm run build`) they are the
 * bundles beside this one.
 */
export const PRODUCTION_WORKER_ENTRY = entryBeside(import.meta.url, 'pkcs11.worker');
let workerEntry = PRODUCTION_WORKER_ENTRY;

/** Makes clients created from now on start `entry` (the demo worker: card/demo/demo-worker.ts). */
export function useDemoWorker(entry: URL): void {
  workerEntry = entry;
}

/**
 * A TypeScript entry needs a loader: worker threads do not inherit one for their entry file, so
 * the entry is a two-line bootstrap that registers tsx and imports the real one.
 */
function bootstrapSource(entry: URL): string {
  // `require.resolve` would pick tsx's CommonJS build; the worker needs the ESM one, which the
  // package's export map names.
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports: Record<string, { import?: { default?: string } }>;
  };
  const esmApi = manifest.exports['./esm/api']?.import?.default;
  if (esmApi === undefined) throw new Error('tsx does not export ./esm/api for import');
  const tsx = pathToFileURL(join(dirname(manifestPath), esmApi)).href;
  return `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
}

function startWorker(entry: URL, setup: WorkerSetup): Worker {
  if (entry.pathname.endsWith('.ts')) return new Worker(bootstrapSource(entry), { eval: true, workerData: setup });
  return new Worker(entry, { workerData: setup });
}

/** The contract error for a worker failure; the raw value and step ride along as `cause`. */
export function errorOfFailure(failure: WorkerFailure): ContractError {
  switch (failure.kind) {
    case 'pkcs11':
      return pkcs11Error(failure.value, failure.step, failure.name);
    case 'token-flags':
      return (
        pinFlagsError(pinFlagsOf(failure.token.flags, failure.token.minPinLength, failure.token.maxPinLength)) ??
        situationError('worker-stopped')
      );
    case 'situation':
      return situationError(failure.situation, {
        source: 'native',
        name: failure.situation,
        ...(failure.detail === undefined ? {} : { detail: failure.detail }),
      });
    case 'native':
      return failure.step === 'load' || failure.step === 'initialize'
        ? situationError('module-not-loadable', { source: 'native', name: 'module', step: failure.step, detail: failure.detail })
        : pkcs11Error(0, failure.step, failure.detail);
  }
}

/** Copies text into a fresh buffer of its own, so that it can be transferred (and zeroed) whole. */
export function secretBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.byteLength(text, 'utf8'));
  new TextEncoder().encodeInto(text, bytes);
  return bytes;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class TokenClient {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    readonly modulePath: string,
    private readonly entry: URL = workerEntry,
  ) {}

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = startWorker(this.entry, { modulePath: this.modulePath });
    worker.on('message', (reply: WorkerReply) => {
      const pending = this.pending.get(reply.id);
      if (pending === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(errorOfFailure(reply.failure));
    });
    const fail = (cause: unknown) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, pending] of this.pending) {
        this.pending.delete(id);
        pending.reject(
          situationError('worker-stopped', {
            source: 'native',
            name: 'worker',
            detail: cause instanceof Error ? cause.message : String(cause),
          }),
        );
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(`worker exited with code ${code}`));
    // The worker must never keep a process alive on its own; `close()` ends it explicitly.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /**
   * Sends one request. `transfer` lists the secret buffers in it: they move to the worker (the
   * caller's views become empty) and the worker zeroes them after use.
   */
  call<Op extends WorkerRequest['op']>(
    request: Extract<WorkerRequest, { op: Op }>,
    transfer: readonly Uint8Array[] = [],
  ): Promise<WorkerResults[Op]> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<WorkerResults[Op]>((resolve, reject) => {
      // Referenced while a call is out, so that a caller awaiting it is not dropped at exit.
      const settled = () => {
        if (this.pending.size === 0) worker.unref();
      };
      this.pending.set(id, {
        resolve: (value) => {
          settled();
          resolve(value as WorkerResults[Op]);
        },
        reject: (error) => {
          settled();
          reject(error);
        },
      });
      worker.ref();
      worker.postMessage(
        { id, request },
        transfer.map((bytes) => bytes.buffer as ArrayBuffer),
      );
    });
  }

  /** C_Finalize, then ends the thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    try {
      await this.call({ op: 'finalize' });
    } finally {
      this.worker = undefined;
      await worker.terminate();
    }
  }
}

const shared = new Map<string, { client: TokenClient; users: number }>();

/** The process's worker for `modulePath`; give it back with `releaseTokenClient`. */
export function acquireTokenClient(modulePath: string = DEFAULT_PKCS11_MODULE): TokenClient {
  const entry = shared.get(modulePath) ?? { client: new TokenClient(modulePath), users: 0 };
  entry.users++;
  shared.set(modulePath, entry);
  return entry.client;
}

export async function releaseTokenClient(client: TokenClient): Promise<void> {
  const entry = shared.get(client.modulePath);
  if (entry === undefined || entry.client !== client) return;
  entry.users--;
  if (entry.users > 0) return;
  shared.delete(client.modulePath);
  await client.close();
}
