// `npm run serve -- PART`: one part of the stack alone against NATS_URL (or 127.0.0.1:$NATS_PORT),
// as production runs them, one systemd unit per part. `npm start` runs each part this way too.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const PARTS = {
  registry: 'services/registry/main.ts',
  'card-agent': 'card/main.ts',
  engine: 'services/kiosk-engine/main.ts',
  ui: 'services/ui/main.ts',
  'staff-auth': 'services/staff-auth/main.ts',
} as const;

export type Part = keyof typeof PARTS;

/** What production runs: each part compiled by `npm run build` (deploy/build.ts). */
export const BUILT_PARTS: Record<Part, string> = {
  registry: 'dist/registry.mjs',
  'card-agent': 'dist/card-agent.mjs',
  engine: 'dist/engine.mjs',
  ui: 'dist/ui.mjs',
  'staff-auth': 'dist/staff-auth.mjs',
};

export function isPart(value: string): value is Part {
  return Object.hasOwn(PARTS, value);
}

/** The command line that runs one part: this Node with tsx's loader, no extra process in between. */
export function partCommand(part: Part): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--import', 'tsx', join(root, PARTS[part])] };
}

/** The command line that runs one part from the release build (`npm run build` first). */
export function builtPartCommand(part: Part, distRoot = root): { command: string; args: string[] } {
  return { command: process.execPath, args: [join(distRoot, BUILT_PARTS[part])] };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const part = process.argv[2] ?? '';
  if (!isPart(part)) {
    console.error(`usage: npm run serve -- ${Object.keys(PARTS).join('|')}`);
    process.exit(2);
  }
  const { command, args } = partCommand(part);
  const child = spawn(command, args, { stdio: 'inherit', cwd: root });
  // Signals go to the part; its exit code is ours.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
