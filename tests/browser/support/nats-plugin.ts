// Node side of the browser tests that need a real NATS: a @web/test-runner plugin that
//  - serves '@nats-io/nats-core' to the page as one ES module (the package is CommonJS), and
//  - answers `executeServerCommand('nats-…')` from the page: start a throwaway nats-server with a
//    websocket listener, play the engine's part (answer `view.get`, publish views, record the
//    input events), restart the server, stop it;
//  - builds the real kiosk bundle and serves it under /__kiosk/ with /config.json, as the stack does.
// One server at a time; every test file that starts one stops it.
import { build } from 'esbuild';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { startNatsServer, type RunningNatsServer } from '../../../platform/nats-server.ts';
import { kioskSubjects } from '../../../machines/contract/subjects.ts';
import { buildKiosk } from '../../../kiosk/tools/build.ts';

const NATS_CORE_URL = '/__test/nats-core.js';
/** Where the built kiosk page is served, with `/config.json` beside the root as the stack serves it. */
const KIOSK_PREFIX = '/__kiosk/';
/** The stack's static server sends this policy with the page; the built bundle must live with it. */
const KIOSK_CSP =
  "default-src 'self'; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; style-src 'self' 'unsafe-inline'; img-src 'self' data:";

interface Engine {
  server: RunningNatsServer;
  dataDir: string;
  nc: NatsConnection;
  kioskId: string;
  current: unknown;
  viewGets: number;
  inputs: unknown[];
  simRequests: { subject: string; body: unknown }[];
}

let engine: Engine | undefined;
let kioskDist: string | undefined;
let natsCoreBundle: Promise<string> | undefined;

async function bundleNatsCore(root: string): Promise<string> {
  // `export *` from CommonJS exports nothing in an ES module: name every export.
  const names = Object.keys(createRequire(join(root, 'package.json'))('@nats-io/nats-core') as object).filter(
    (name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default',
  );
  const result = await build({
    stdin: { contents: `export { ${names.join(', ')} } from '@nats-io/nats-core';`, resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'esm',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

async function playEngine(server: RunningNatsServer, dataDir: string, kioskId: string, current: unknown): Promise<Engine> {
  const nc = await connect({ servers: server.url, name: 'test-engine' });
  const subjects = kioskSubjects(kioskId);
  const state: Engine = { server, dataDir, nc, kioskId, current, viewGets: 0, inputs: [], simRequests: [] };
  nc.subscribe(subjects.viewGet, {
    callback: (_error, msg) => {
      state.viewGets++;
      msg.respond(JSON.stringify(state.current));
    },
  });
  nc.subscribe(subjects.input, {
    callback: (_error, msg) => {
      state.inputs.push(msg.json());
    },
  });
  for (const subject of [subjects.cardSimInsert, subjects.cardSimRemove]) {
    nc.subscribe(subject, {
      callback: (_error, msg) => {
        state.simRequests.push({ subject, body: msg.json() });
        msg.respond(JSON.stringify({ ok: true }));
      },
    });
  }
  await nc.flush();
  return state;
}

async function stopEngine(): Promise<void> {
  if (!engine) return;
  const { nc, server, dataDir } = engine;
  engine = undefined;
  await nc.close();
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}

export function natsPlugin(root: string) {
  return {
    name: 'kiosk-test-nats',
    resolveImport({ source }: { source: string }) {
      return source === '@nats-io/nats-core' ? NATS_CORE_URL : undefined;
    },
    async serve(context: { path: string }) {
      if (context.path === NATS_CORE_URL) {
        natsCoreBundle ??= bundleNatsCore(root);
        return { body: await natsCoreBundle, type: 'js' };
      }
      if (context.path === '/config.json' && engine) {
        const config = { natsWsUrl: engine.server.wsUrl, kioskId: engine.kioskId, simulatedReader: false };
        return { body: JSON.stringify(config), type: 'json' };
      }
      if (context.path.startsWith(KIOSK_PREFIX) && kioskDist) {
        const name = context.path.slice(KIOSK_PREFIX.length);
        if (name !== 'index.html' && name !== 'kiosk.js') return undefined;
        const body = await readFile(join(kioskDist, name), 'utf8');
        return { body, type: name.endsWith('.js') ? 'js' : 'html', headers: { 'content-security-policy': KIOSK_CSP } };
      }
      return undefined;
    },
    async executeCommand({ command, payload }: { command: string; payload?: unknown }) {
      const p = (payload ?? {}) as { kioskId?: string; view?: unknown };
      switch (command) {
        case 'nats-start': {
          await stopEngine();
          const dataDir = await mkdtemp(join(tmpdir(), 'kiosk-wtr-nats-'));
          const server = await startNatsServer({ dataDir, name: 'wtr', wsPort: 0 });
          engine = await playEngine(server, dataDir, p.kioskId ?? 'kiosk-1', p.view ?? null);
          return { wsUrl: server.wsUrl };
        }
        case 'nats-set-view': {
          if (!engine) throw new Error('nats-start first');
          engine.current = p.view;
          return true;
        }
        case 'nats-publish-view': {
          if (!engine) throw new Error('nats-start first');
          engine.nc.publish(kioskSubjects(engine.kioskId).view, JSON.stringify(p.view));
          await engine.nc.flush();
          return true;
        }
        case 'nats-state': {
          if (!engine) throw new Error('nats-start first');
          return { viewGets: engine.viewGets, inputs: engine.inputs, simRequests: engine.simRequests };
        }
        case 'nats-restart': {
          // The same ports again, as a kiosk's own server comes back after a crash.
          if (!engine) throw new Error('nats-start first');
          const { server, dataDir, kioskId, current, nc } = engine;
          await nc.close();
          await server.stop();
          const wsPort = Number(new URL(server.wsUrl ?? '').port);
          const restarted = await startNatsServer({ dataDir, name: 'wtr', port: server.port, wsPort });
          const before = engine;
          engine = await playEngine(restarted, dataDir, kioskId, current);
          engine.inputs = before.inputs;
          engine.viewGets = before.viewGets;
          return { wsUrl: restarted.wsUrl };
        }
        case 'kiosk-build': {
          kioskDist ??= await mkdtemp(join(tmpdir(), 'kiosk-wtr-dist-'));
          const built = await buildKiosk({ outdir: kioskDist });
          return { url: `${KIOSK_PREFIX}index.html`, gzipBytes: built.gzipBytes };
        }
        case 'nats-stop':
          await stopEngine();
          return true;
        default:
          return undefined;
      }
    },
    async serverStop() {
      await stopEngine();
      if (kioskDist) await rm(kioskDist, { recursive: true, force: true });
    },
  };
}
