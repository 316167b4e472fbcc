// The parts run from their TypeScript sources (`npm start`, the tests) or from the release that
// `npm run build` compiles to `.mjs` bundles (docs/deployment.md). A module that names another
// file by path, a worker's entry or the pages, asks here which of the two it is running as.

/** Whether the module at `moduleUrl` (its `import.meta.url`) runs from source rather than from the release. */
export function runsFromSource(moduleUrl: string): boolean {
  return moduleUrl.endsWith('.ts');
}

/** The entry `name` beside the module at `moduleUrl`: `name.ts` from source, the bundle `name.mjs` in the release. */
export function entryBeside(moduleUrl: string, name: string): URL {
  return new URL(`./${name}${runsFromSource(moduleUrl) ? '.ts' : '.mjs'}`, moduleUrl);
}
