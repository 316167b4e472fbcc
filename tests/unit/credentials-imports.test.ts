// The launcher, the UI server and the cards tool read the embedded stack's credentials; none of
// them runs a staff sign-in ceremony, so none may load the WebAuthn library to do so. The bucket
// names they need are the contract's (machines/contract/staff.ts), not the staff-auth service's.
// esbuild walks the real import graph (packages left external) and lists every import it met.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CREDENTIALS = fileURLToPath(new URL('../../services/stack/credentials/embedded-users.ts', import.meta.url));

async function packagesImportedFrom(entry: string): Promise<string[]> {
  const result = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', packages: 'external', write: false, metafile: true, logLevel: 'silent' });
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
  return [...new Set(imports.filter((imported) => imported.external === true).map((imported) => imported.path))];
}

describe('what reading the credentials loads', () => {
  it('imports packages, but not the WebAuthn library the staff-auth service needs', async () => {
    const packages = await packagesImportedFrom(CREDENTIALS);
    expect(packages.length).toBeGreaterThan(0);
    expect(packages.filter((name) => name.startsWith('@simplewebauthn/'))).toEqual([]);
  });
});
