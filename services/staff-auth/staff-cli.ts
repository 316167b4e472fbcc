// `npm run staff -- enroll <staffId> <name>` | `list` | `remove <staffId>` | `revoke <staffId>` | `public-key`: the
// operator's side of staff sign-in. Enroll prints a one-time link (and its code) that the staff member opens on the
// staff console's desk to register a passkey or security key; the link works once, for 24 hours.
// Talks to the running stack's staff-auth part on NATS_URL, or on 127.0.0.1:$NATS_PORT; public-key
// needs no stack: it prints the line a kiosk's environment needs to check staff tokens.
import type { NatsConnection } from '@nats-io/nats-core';
import type * as v from 'valibot';
import { readConfig } from '../../platform/config.ts';
import { connectPart } from '../../platform/nats-runtime.ts';
import { inboxPrefixOf, readCredentialsSync } from '../stack/credentials/index.ts';
import { AdminEnrollReplySchema, StaffAdminListReplySchema, StaffRevokeReplySchema, STAFF_AUTH_SUBJECTS, staffErrorIn } from '../../machines/contract/staff.ts';
import * as valibot from 'valibot';
import { staffTokenPublicJwk } from './staff-token.ts';
import { runsFromSource } from '../../platform/source-or-build.ts';

/** How the operator runs this command: from the release (its bundle, docs/operations.md) or from a clone. */
const RUN = runsFromSource(import.meta.url) ? 'npm run staff --' : 'node dist/staff.mjs';

const USAGE = `usage: ${RUN} enroll <staffId> <name>
       ${RUN} list
       ${RUN} remove <staffId>
       ${RUN} revoke <staffId>
       ${RUN} public-key`;

export async function askStaffAuth<S extends v.GenericSchema>(nc: NatsConnection, subject: string, body: unknown, schema: S): Promise<v.InferOutput<S>> {
  const msg = await nc.request(subject, JSON.stringify(body), { timeout: 10_000 });
  const parsed: unknown = msg.json();
  const failure = staffErrorIn(parsed);
  if (failure) throw failure;
  return valibot.parse(schema, parsed);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = readConfig();
  const url = config.natsUrl ?? `nats://127.0.0.1:${config.natsPort}`;
  const run = async (work: (nc: NatsConnection) => Promise<void>) => {
    let nc: NatsConnection;
    try {
      // NATS_USER (production) wins; otherwise the embedded stack's admin login from its DATA_DIR.
      const admin = config.natsUser === undefined ? readCredentialsSync(config.dataDir, 'admin') : undefined;
      const login = admin === undefined ? {} : { user: admin.user, pass: admin.password, inboxPrefix: inboxPrefixOf('admin') };
      nc = await connectPart(config, 'staff-cli', { servers: url, ...login, maxReconnectAttempts: 0 });
    } catch {
      throw new Error(`no stack answers on ${url}: start it (npm start) or set NATS_URL`);
    }
    try {
      await work(nc);
    } finally {
      await nc.drain();
    }
  };
  if (command === 'enroll' && rest.length >= 2) {
    const [staffId, ...name] = rest as [string, ...string[]];
    await run(async (nc) => {
      const reply = await askStaffAuth(nc, STAFF_AUTH_SUBJECTS.adminEnroll, { staffId, name: name.join(' ') }, AdminEnrollReplySchema);
      process.stdout.write(
        [
          `Enrollment for ${reply.staffId} (${reply.name}), valid once until ${reply.expiresAt}:`,
          `  open on the staff desk:  ${reply.link}`,
          'Hand it to the staff member only; it registers one passkey or security key.',
          '',
        ].join('\n'),
      );
    });
    return 0;
  }
  if (command === 'list' && rest.length === 0) {
    await run(async (nc) => {
      const { staff } = await askStaffAuth(nc, STAFF_AUTH_SUBJECTS.adminList, {}, StaffAdminListReplySchema);
      for (const member of staff) process.stdout.write(`${member.staffId.padEnd(12)}  ${member.name}  passkeys ${member.passkeys}  since ${member.enrolledAt}\n`);
      if (staff.length === 0) process.stdout.write('no staff enrolled\n');
    });
    return 0;
  }
  if (command === 'remove' && rest.length === 1) {
    await run(async (nc) => {
      const msg = await nc.request(STAFF_AUTH_SUBJECTS.adminRemove, JSON.stringify({ staffId: rest[0] }), { timeout: 10_000 });
      const failure = staffErrorIn(msg.json());
      if (failure) throw failure;
      process.stdout.write(`${(msg.json() as { removed: boolean }).removed ? 'removed' : 'not enrolled'}: ${rest[0]}\n`);
    });
    return 0;
  }
  if (command === 'revoke' && rest.length === 1) {
    // Ends every token of this staff member now, on every hub node and kiosk (the registry checks
    // each token against the staff record); the passkeys stay, so a new sign-in works.
    await run(async (nc) => {
      const reply = await askStaffAuth(nc, STAFF_AUTH_SUBJECTS.adminRevoke, { staffId: rest[0] }, StaffRevokeReplySchema);
      process.stdout.write(`revoked: every sign-in of ${reply.staffId} before ${reply.revokedBefore}\n`);
    });
    return 0;
  }
  if (command === 'public-key' && rest.length === 0) {
    process.stdout.write(`STAFF_TOKEN_PUBLIC_KEY=${JSON.stringify(await staffTokenPublicJwk(config.dataDir))}\n`);
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const code = (error as { code?: string }).code;
    process.stderr.write(`staff: ${code ? `${code} ` : ''}${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
