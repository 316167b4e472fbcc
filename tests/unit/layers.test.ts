// Layers one way down (docs/architecture.md): no top-level folder imports one that imports it
// back, the card agent imports no service, and machines/ (which the browser runs too) uses no Node
// built-in. One runtime (docs/architecture.md, "One runtime"): only platform/nats-runtime.ts
// imports the NATS transport, and no part or command under services/ or card/ opens a connection
// with a NATS `connect` of its own. The lint rules forbid each such import one by one; this reads
// the files themselves, so a reverse import fails here even if a lint rule were loosened.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
/** The product's top-level folders; tests/ may import all of them and nothing imports tests/. */
const LAYERS = ['machines', 'platform', 'kiosk', 'card', 'services', 'deploy'];
const SOURCE = /\.(ts|mts|mjs|js)$/;
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist']);
/** Static imports and re-exports, side-effect imports, and `import('...')` with a literal path. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)'([^']+)'/g;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return SKIPPED_FOLDERS.has(entry.name) ? [] : sourceFiles(path);
    return entry.isFile() && SOURCE.test(entry.name) ? [path] : [];
  });
}

function topFolderOf(path: string): string {
  return relative(root, path).split(sep)[0] ?? '';
}

interface Import {
  file: string;
  specifier: string;
}

const files = LAYERS.flatMap((layer) => sourceFiles(join(root, layer)));
const imports: Import[] = files.flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(SPECIFIER)].map((match) => ({ file, specifier: match[1] ?? '' })),
);

/** Every import that crosses from one top-level folder into another, as `from -> to` with its file. */
function crossings(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const { file, specifier } of imports) {
    if (!specifier.startsWith('.')) continue;
    const from = topFolderOf(file);
    const to = topFolderOf(join(dirname(file), specifier));
    if (from === to || !LAYERS.includes(to)) continue;
    const key = `${from} -> ${to}`;
    edges.set(key, [...(edges.get(key) ?? []), relative(root, file)]);
  }
  return edges;
}

describe('layers one way down', () => {
  it('reads the imports of every layer (the scan itself finds something)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(crossings().has('services -> card')).toBe(true);
  });

  it('has no top-level folder importing one that imports it back', () => {
    const edges = crossings();
    const cycles = [...edges.keys()]
      .filter((edge) => {
        const [from, to] = edge.split(' -> ');
        return edges.has(`${to} -> ${from}`);
      })
      .map((edge) => `${edge} (${edges.get(edge)?.join(', ')})`);
    expect(cycles).toEqual([]);
  });

  it('keeps the card agent off the services: what both use is in platform/', () => {
    expect(crossings().get('card -> services') ?? []).toEqual([]);
    expect(crossings().get('platform -> services') ?? []).toEqual([]);
    expect(crossings().get('platform -> card') ?? []).toEqual([]);
  });

  it('keeps Node built-ins out of machines/', () => {
    const nodeBuiltins = new Set(builtinModules);
    const inMachines = imports.filter(({ file, specifier }) => {
      if (topFolderOf(file) !== 'machines') return false;
      return specifier.startsWith('node:') || nodeBuiltins.has(specifier.split('/')[0] ?? '');
    });
    expect(inMachines.map(({ file, specifier }) => `${relative(root, file)}: ${specifier}`)).toEqual([]);
  });
});

/** The NATS transport's package; `connectNats` / `connectPart` in the runtime are its only users. */
const TRANSPORT = '@nats-io/transport-node';
const RUNTIME = 'platform/nats-runtime.ts';
/** Import statements from a NATS package, with what they bind (`{ connect as open }`, `* as nats`). */
const NATS_IMPORT = /\bimport\s+(?:type\s+)?([^;]*?)\s*from\s*'(@nats-io\/[^']+)'/g;

/** The NATS connect functions a file binds: the transport's `connect` (by name or namespace), `wsconnect`. */
function natsConnectsBound(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(NATS_IMPORT)].flatMap(([, bindings = '', from = '']) => {
    const named = [...bindings.matchAll(/\b(ws)?connect\b/g)].map((match) => `${match[0]} from ${from}`);
    const namespace = from === TRANSPORT && /\*\s*as\s/.test(bindings) ? [`* from ${from}`] : [];
    return [...named, ...namespace];
  });
}

describe('one NATS runtime', () => {
  it('has only platform/nats-runtime.ts import the transport among the product files', () => {
    const importers = imports
      .filter(({ specifier }) => specifier === TRANSPORT || specifier.startsWith(`${TRANSPORT}/`))
      .map(({ file }) => relative(root, file));
    // The scan finds the one importer there must be.
    expect(importers).toContain(RUNTIME);
    expect(importers.filter((file) => file !== RUNTIME)).toEqual([]);
  });

  it('has no part or command under services/ or card/ bind a NATS connect of its own', () => {
    expect(natsConnectsBound(join(root, RUNTIME))).toEqual([`connect from ${TRANSPORT}`]);
    const offenders = files
      .filter((file) => ['services', 'card'].includes(topFolderOf(file)))
      .flatMap((file) => natsConnectsBound(file).map((bound) => `${relative(root, file)}: ${bound}`));
    expect(offenders).toEqual([]);
  });
});
