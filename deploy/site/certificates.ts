// The site's certificates, made with openssl at rehearsal time exactly as docs/deployment.md
// ("Once per site", step 3) tells an operator: a site CA; per hub node a certificate for server and
// client use with the node's address and name as SAN; per kiosk `CN=kiosk-<id>` and per desk
// `CN=staff-<desk>` for client use, with no SAN (the hub maps a link to the user its subject names).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deskCertificateName, kioskCertificateName } from '../production/nats-rules.ts';
import { run } from './host.ts';

export interface SiteCertificates {
  dir: string;
  /** Certificate base name → files (`<dir>/<name>.crt`, `.key`). */
  names: string[];
}

const DAYS = '30';

async function leaf(dir: string, name: string, extensions: string): Promise<void> {
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, extensions);
  await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.csr`)]);
  await run('openssl', ['x509', '-req', '-in', join(dir, `${name}.csr`), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-days', DAYS, '-extfile', ext, '-out', join(dir, `${name}.crt`)]);
}

export async function makeSiteCertificates(
  dir: string,
  site: { hubNodes: Array<{ name: string; address: string }>; kiosks: readonly string[]; desks: readonly string[] },
): Promise<SiteCertificates> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', DAYS, '-subj', '/CN=moeaca-site-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')]);
  const names: string[] = [];
  for (const node of site.hubNodes) {
    await leaf(dir, node.name, `subjectAltName=IP:${node.address},DNS:${node.name}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    names.push(node.name);
  }
  for (const name of [...site.kiosks.map(kioskCertificateName), ...site.desks.map(deskCertificateName)]) {
    await leaf(dir, name, 'extendedKeyUsage=clientAuth\n');
    names.push(name);
  }
  return { dir, names };
}
