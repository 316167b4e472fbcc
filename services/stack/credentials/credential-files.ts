// The embedded stack's credentials: one random password per user, kept in
// `$DATA_DIR/credentials/<user>.json` as `{"user","password"}` (files 0600, the folder 0700), where
// the parts, `npm run cards` and the tests read them. The nats-server config holds only bcrypt
// hashes of them. Generated on the first start and kept, so a second command beside a running stack
// finds the same ones; delete the folder to change them all (docs/operations.md, "Credentials").
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { EmbeddedUser } from './embedded-users.ts';

export interface Credentials {
  user: string;
  password: string;
  /** Where the user's replies come back; absent: `_INBOX.<user>` (the embedded stack's rule). Production logins name it. */
  inboxPrefix?: string;
}

/** The bcrypt cost. The passwords are 192 random bits: no guessing to slow down, only a hash to keep the config from holding them. */
const BCRYPT_COST = 8;

export function credentialsDir(dataDir: string): string {
  return join(dataDir, 'credentials');
}

export function credentialsFile(dataDir: string, user: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(user)) throw new Error(`not a user name: ${JSON.stringify(user)}`);
  return join(credentialsDir(dataDir), `${user}.json`);
}

function parseCredentials(text: string, file: string): Credentials {
  const value = JSON.parse(text) as Partial<Credentials>;
  if (typeof value.user !== 'string' || typeof value.password !== 'string' || value.password.length < 16) {
    throw new Error(`${file}: expected {"user","password"}`);
  }
  return { user: value.user, password: value.password, ...(typeof value.inboxPrefix === 'string' ? { inboxPrefix: value.inboxPrefix } : {}) };
}

/** A file others can read may already have leaked: refused, never silently tightened. */
async function checkPrivate(path: string, mode: number): Promise<void> {
  const info = await stat(path);
  if ((info.mode & 0o077) !== 0) {
    throw new Error(`${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}); expected ${mode.toString(8)}: delete it and start again`);
  }
}

/** Reads the user's credentials, or makes them (atomically: of two starts at once, one writes). */
export async function ensureCredentials(dataDir: string, user: string): Promise<Credentials> {
  const dir = credentialsDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = credentialsFile(dataDir, user);
  try {
    const handle = await open(file, 'wx', 0o600);
    try {
      const credentials = { user, password: randomBytes(24).toString('base64url') };
      await handle.writeFile(`${JSON.stringify(credentials)}\n`);
      return credentials;
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await checkPrivate(file, 0o600);
  return parseCredentials(await readFile(file, 'utf8'), file);
}

/** The user's credentials if the stack made them (undefined when there is no file). */
export function readCredentialsSync(dataDir: string, user: string): Credentials | undefined {
  const file = credentialsFile(dataDir, user);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseCredentials(text, file);
}

export async function readCredentials(dataDir: string, user: string): Promise<Credentials> {
  const file = credentialsFile(dataDir, user);
  return parseCredentials(await readFile(file, 'utf8'), file);
}

/** One entry of nats-server's `authorization.users`, with the password as a bcrypt hash. */
export interface ServerUserEntry {
  user: string;
  password: string;
  permissions: {
    publish: { allow: string[]; deny?: string[] };
    subscribe: { allow: string[]; deny?: string[] };
    allow_responses?: boolean;
  };
  allowed_connection_types: string[];
}

export async function serverUserEntries(dataDir: string, users: readonly EmbeddedUser[]): Promise<ServerUserEntry[]> {
  const entries: ServerUserEntry[] = [];
  for (const user of users) {
    const { password } = await ensureCredentials(dataDir, user.user);
    entries.push({
      user: user.user,
      password: await bcrypt.hash(password, BCRYPT_COST),
      permissions: {
        publish: user.publish,
        subscribe: user.subscribe,
        ...(user.allowResponses ? { allow_responses: true } : {}),
      },
      allowed_connection_types: user.connectionTypes,
    });
  }
  return entries;
}
