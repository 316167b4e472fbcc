// The release the rehearsal runs, laid out as /opt/moeaca-kiosk is on a box (docs/deployment.md,
// "The release"): `npm run build`'s dist/, package.json, and a node_modules holding the
// production dependencies only (what `npm ci --omit=dev` installs), gathered from this clone's
// install by Node's own resolution so no registry is needed: no TypeScript loader, no bundler, no
// test tool. The parts cannot load a dev package because none is there.
import { cp, mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { run } from './host.ts';

interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

async function packageJson(dir: string): Promise<PackageJson> {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Where Node finds `name` from a package in `fromDir` (its own node_modules, then each parent's). */
function resolvePackage(root: string, fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; dir.startsWith(root); dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root) break;
  }
  return undefined;
}

/** Every package directory the production dependencies of `root` need, transitively. */
export async function productionPackages(root: string): Promise<string[]> {
  const found = new Set<string>();
  const queue: Array<[string, string]> = [];
  const want = (fromDir: string, manifest: PackageJson) => {
    for (const name of Object.keys(manifest.dependencies ?? {})) queue.push([fromDir, name]);
    // Optional dependencies when installed, and the peers npm installs (not the optional ones).
    const peers = Object.keys(manifest.peerDependencies ?? {}).filter((name) => manifest.peerDependenciesMeta?.[name]?.optional !== true);
    for (const name of [...Object.keys(manifest.optionalDependencies ?? {}), ...peers]) {
      if (resolvePackage(root, fromDir, name) !== undefined) queue.push([fromDir, name]);
    }
  };
  want(root, await packageJson(root));
  while (queue.length > 0) {
    const [fromDir, name] = queue.shift()!;
    const dir = resolvePackage(root, fromDir, name);
    if (dir === undefined) throw new Error(`production dependency ${name} (needed from ${relative(root, fromDir) || '.'}) is not installed`);
    if (found.has(dir)) continue;
    found.add(dir);
    want(dir, await packageJson(dir));
  }
  return [...found].sort();
}

export interface Release {
  dir: string;
  packages: number;
}

/** `npm run build` in the clone, then the release tree at `dir`. */
export async function makeRelease(root: string, dir: string): Promise<Release> {
  await run('npm', ['run', 'build', '--prefix', root]);
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  await cp(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
  await cp(join(root, 'package.json'), join(dir, 'package.json'));
  // The units' documentation link (file:///opt/moeaca-kiosk/docs/deployment.md) resolves too.
  await cp(join(root, 'docs'), join(dir, 'docs'), { recursive: true });
  const packages = await productionPackages(root);
  const modules = join(root, 'node_modules');
  for (const pkg of packages) {
    // The clone's node_modules may be a link to a shared install: copy real files.
    await cp(pkg, join(dir, 'node_modules', relative(modules, pkg)), { recursive: true, dereference: true });
  }
  return { dir, packages: packages.length };
}
