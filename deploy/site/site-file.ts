// site.json: what a person or a probe needs to step into a running rehearsed site (namespaces,
// addresses, ports, data dirs, credential files), and what `npm run site -- check` reads.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Harness } from './bring-up.ts';

export interface SiteJson {
  runId: string;
  subnet: string;
  release: string;
  siteFile: string;
  generated: string;
  secretsFile: string;
  caFile: string;
  staffTokenPublicKey: string;
  boxes: Array<{
    name: string;
    kind: string;
    namespace: string;
    address: string;
    root: string;
    /** The box's loopback ports as this machine reaches them (relays): `"4222": 41234`. */
    relayed: Record<string, number>;
    certificate: string;
    parts: Array<{ unit: string; user: string; pid: number; dataDirs: string[]; credentialsDirectory?: string; log: string }>;
  }>;
}

export async function writeSiteFile(h: Harness): Promise<string> {
  const json: SiteJson = {
    runId: h.state.runId,
    subnet: `${h.network.subnet}.0/24`,
    release: h.releaseDir,
    siteFile: h.siteFile,
    generated: h.generatedDir,
    secretsFile: join(h.generatedDir, 'secrets.json'),
    caFile: join(h.certificatesDir, 'ca.crt'),
    staffTokenPublicKey: h.staffTokenPublicKey,
    boxes: h.boxes.map((box) => ({
      name: box.name,
      kind: box.kind,
      namespace: box.namespace,
      address: box.address,
      root: box.root,
      relayed: Object.fromEntries(Object.entries(h.local).filter(([key]) => key.startsWith(`${box.name}:`)).map(([key, port]) => [key.split(':')[1]!, port])),
      certificate: join(box.root, 'etc/moeaca-kiosk/tls', `${box.kind === 'hub' ? box.name : box.kind === 'kiosk' ? `kiosk-${box.name}` : `staff-${box.name}`}.crt`),
      parts: (h.parts[box.name] ?? []).map((part) => ({ unit: part.unit, user: part.user, pid: part.pid, dataDirs: part.dataDirs, credentialsDirectory: part.credentialsDirectory, log: part.log })),
    })),
  };
  const file = join(h.state.dir, 'site.json');
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
  return file;
}
