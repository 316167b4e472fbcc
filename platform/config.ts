// The environment of docs/contract.md ("Commands"), read once. Every command (start, serve, cards) uses
// the same names and defaults, so a `npm run cards` beside a running `npm start` with the same
// environment talks to that stack.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isKioskId } from '../machines/contract/index.ts';

export interface StackConfig {
  dataDir: string;
  natsPort: number;
  natsWsPort: number;
  httpPort: number;
  kioskId: string;
  /** An existing server to use instead of starting one. */
  natsUrl: string | undefined;
  /** `sim` (the embedded default: cards inserted from the demo tray) or `pcsc` (a real reader). */
  cardReader: 'sim' | 'pcsc';
  /** Production: the part's NATS user (deploy/production gives each part its own). */
  natsUser: string | undefined;
  natsPassword: string | undefined;
  /** Production: a per-kiosk reply prefix, so NATS permissions can keep replies to their kiosk. */
  natsInboxPrefix: string | undefined;
  /** JetStream replicas of the registry's stream and buckets (1 embedded, 3 on the hub). */
  registryReplicas: number;
  /**
   * Host names the UI server answers to besides loopback (`UI_HOST_NAMES`, comma-separated): any
   * other Host header is refused, so a DNS-rebinding page cannot reach it under its own name.
   */
  uiHostNames: string[];
  /** Staff sign-in: `any` or the accepted AAGUIDs (services/staff-auth/authenticator-policy.ts). */
  staffAuthenticators: string | undefined;
  /** Staff sign-in: the PEM file of the accepted authenticators' attestation roots. */
  staffAttestationRoots: string | undefined;
  /** `KIOSK_BROWSER_UID`: whose browser gets the pages' logins (services/ui/login-peer.ts); unset: the UI server's own uid. */
  kioskBrowserUid?: string;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new Error(`${name} must be a TCP port (1–65535), got ${JSON.stringify(raw)}`);
  }
  return value;
}

function replicas(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 5) {
    throw new Error(`REGISTRY_REPLICAS must be an integer from 1 to 5, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * NATS_PASSWORD_FILE: the password in a file, as systemd's LoadCredential= provides it
 * (`%d/nats-password`), so it never sits in the environment or a unit file.
 */
function passwordFile(file: string | undefined): string | undefined {
  if (file === undefined || file === '') return undefined;
  const password = readFileSync(file, 'utf8').trim();
  if (password === '') throw new Error(`NATS_PASSWORD_FILE ${file} is empty`);
  return password;
}

/**
 * NATS_LOGIN_FILE: a part's whole login as JSON `{"user","password","inboxPrefix"}`, as
 * make-kiosk-config.ts writes it for each part of a kiosk and systemd's LoadCredential= hands it
 * (`%d/nats-login`). NATS_USER / NATS_PASSWORD(_FILE) / NATS_INBOX_PREFIX, when set, win.
 */
function loginFile(file: string | undefined): { user?: string; password?: string; inboxPrefix?: string } {
  if (file === undefined || file === '') return {};
  const login = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (typeof login.user !== 'string' || typeof login.password !== 'string' || login.password === '') {
    throw new Error(`NATS_LOGIN_FILE ${file}: expected {"user","password","inboxPrefix"}`);
  }
  return { user: login.user, password: login.password, ...(typeof login.inboxPrefix === 'string' ? { inboxPrefix: login.inboxPrefix } : {}) };
}

function hostNames(raw: string | undefined): string[] {
  const names = (raw ?? '').split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  for (const name of names) {
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(name)) {
      throw new Error(`UI_HOST_NAMES must be host names separated by commas, got ${JSON.stringify(name)}`);
    }
  }
  return names;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const kioskId = env.KIOSK_ID || 'kiosk-1';
  if (!isKioskId(kioskId)) {
    throw new Error(`KIOSK_ID must match [a-z0-9][a-z0-9-]{0,31}, got ${JSON.stringify(kioskId)}`);
  }
  const cardReader = env.CARD_READER || 'sim';
  if (cardReader !== 'sim' && cardReader !== 'pcsc') {
    throw new Error(`CARD_READER must be "sim" or "pcsc", got ${JSON.stringify(cardReader)}`);
  }
  const login = loginFile(env.NATS_LOGIN_FILE);
  return {
    dataDir: resolve(env.DATA_DIR || './.data'),
    natsPort: port(env, 'NATS_PORT', 4222),
    natsWsPort: port(env, 'NATS_WS_PORT', 9222),
    httpPort: port(env, 'HTTP_PORT', 8080),
    kioskId,
    natsUrl: env.NATS_URL || undefined,
    cardReader,
    natsUser: env.NATS_USER || login.user,
    natsPassword: env.NATS_PASSWORD || passwordFile(env.NATS_PASSWORD_FILE) || login.password,
    natsInboxPrefix: env.NATS_INBOX_PREFIX || login.inboxPrefix,
    registryReplicas: replicas(env.REGISTRY_REPLICAS),
    uiHostNames: hostNames(env.UI_HOST_NAMES),
    staffAuthenticators: env.STAFF_AUTHENTICATORS || undefined,
    staffAttestationRoots: env.STAFF_ATTESTATION_ROOTS || undefined,
    kioskBrowserUid: env.KIOSK_BROWSER_UID || undefined,
  };
}

/** The client URL of the stack's server: NATS_URL, or the local one on NATS_PORT. */
export function natsUrlOf(config: StackConfig): string {
  return config.natsUrl ?? `nats://127.0.0.1:${config.natsPort}`;
}

/**
 * How a long-lived part connects: the stack's server, its credentials if any, and reconnecting
 * forever (a nats-server restart must not take the kiosk down with it).
 */
export function natsConnectOptions(config: StackConfig, name: string, servers = natsUrlOf(config)) {
  const password = config.natsUser === undefined ? undefined : (config.natsPassword ?? stackPassword(config.dataDir, config.natsUser));
  // Every user reads only its own inbox: `_INBOX.<user>` unless it is named (the embedded stack and
  // the hub's users; a kiosk's parts name theirs in NATS_LOGIN_FILE, docs/deployment.md).
  const inboxPrefix = config.natsInboxPrefix ?? (config.natsUser !== undefined ? `_INBOX.${config.natsUser}` : undefined);
  return {
    servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    ...(config.natsUser === undefined ? {} : { user: config.natsUser, pass: password ?? '' }),
    ...(inboxPrefix === undefined ? {} : { inboxPrefix }),
  };
}

/**
 * The password `npm start` generated for `user` (`$DATA_DIR/credentials/<user>.json`,
 * docs/operations.md "Credentials"): a part started with NATS_USER and no NATS_PASSWORD reads it
 * there, so no password travels in an environment variable.
 */
function stackPassword(dataDir: string, user: string): string | undefined {
  if (!/^[a-z][a-z0-9-]*$/.test(user)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, 'credentials', `${user}.json`), 'utf8')) as { password?: unknown };
    return typeof parsed.password === 'string' ? parsed.password : undefined;
  } catch {
    return undefined;
  }
}
