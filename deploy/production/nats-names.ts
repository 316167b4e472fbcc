// The production NATS topology as code: the names every rule is written in — each user's reply
// prefix (inbox), the hub's and the kiosks' user names, certificate names, the config variables
// and site secrets behind passwords, and what is never granted. nats-rules.ts (the allowlists) and
// nats-config.ts (the rendered configs) use them; nats-rules.ts re-exports them for its callers.
import { isKioskId } from '../../machines/contract/index.ts';
// Inboxes: every user has its own reply prefix and may subscribe only to it (docs/security.md,
// threat 13), so no kiosk, desk or hub user reads another's replies.

/** A hub user's reply prefix (`NATS_INBOX_PREFIX` of the registry's unit, the admin tool's, staff's). */
export function ownInbox(user: string): string {
  return `_INBOX.${user}`;
}

/** A kiosk part's (or its page's) reply prefix: the hub delivers to kiosk k's link only `_INBOX.kiosk.<k>.>`. */
export function kioskInbox(kioskId: string, part: KioskLocalUser): string {
  assertKiosk(kioskId);
  return `_INBOX.kiosk.${kioskId}.${part}`;
}

/** A staff desk's reply prefix, for its console and inspector pages and its UI server. */
export function deskInbox(desk: string): string {
  return `_INBOX.desk.${desk}`;
}

export const under = (prefix: string) => `${prefix}.>`;

/** The users of a kiosk's own server: its parts, and the page (websocket). */
export const KIOSK_LOCAL_USERS = ['engine', 'card-agent', 'ui', 'browser'] as const;
export type KioskLocalUser = (typeof KIOSK_LOCAL_USERS)[number];

/** A kiosk's own server's config variable for one of its users' passwords (defined in hub-link.conf). */
export function kioskLocalPasswordVariable(user: KioskLocalUser): string {
  return `${user.toUpperCase().replaceAll('-', '_')}_PASSWORD`;
}

/** The site secret behind that password, one per kiosk and user. */
export function kioskLocalSecret(kioskId: string, user: KioskLocalUser): string {
  return `${kioskPasswordVariable(kioskId).replace(/^KIOSK_PASSWORD_/, 'KIOSK_')}_${kioskLocalPasswordVariable(user)}`;
}

export function assertKiosk(kioskId: string): void {
  if (!isKioskId(kioskId)) throw new Error(`not a kiosk id: ${JSON.stringify(kioskId)}`);
}

/** Every registry endpoint a kiosk calls, pinned to the kiosk's own id (`ra.activation.<endpoint>.<kiosk>`). */
export function kioskRegistrySubjects(kioskId: string): string {
  assertKiosk(kioskId);
  return `ra.activation.*.${kioskId}`;
}

/** The hub user a kiosk's leaf link authenticates as. */
export function kioskLinkUser(kioskId: string): string {
  assertKiosk(kioskId);
  return `kiosk-${kioskId}`;
}

/**
 * With TLS the hub maps each leaf link's client certificate to its user (`verify_and_map`):
 * nats-server 2.9 takes the first of the certificate's SAN e-mails, SAN DNS names and subject DN
 * that names a user. Certificates carry the machine's certificate name as the subject
 * (`CN=kiosk-<id>`, `CN=staff-<desk>`) and no SAN that is a user name, so the subject decides.
 */
export function certificateUser(certificateName: string): string {
  return `CN=${certificateName}`;
}

/** The base name of a kiosk's certificate files and its certificate's CN. */
export function kioskCertificateName(kioskId: string): string {
  assertKiosk(kioskId);
  return `kiosk-${kioskId}`;
}

/** The base name of a staff desk's certificate files and its certificate's CN. */
export function deskCertificateName(desk: string): string {
  return `staff-${desk}`;
}

/** Config variable names can hold letters, digits and underscores; kiosk ids have no underscores, so this is one-to-one. */
export function kioskPasswordVariable(kioskId: string): string {
  assertKiosk(kioskId);
  return `KIOSK_PASSWORD_${kioskId.toUpperCase().replaceAll('-', '_')}`;
}

export const STAFF_USER = 'staff';
export const ADMIN_USER = 'admin';
export const REGISTRY_USER = 'registry';
/**
 * The registry's own reply prefix (`NATS_INBOX_PREFIX` in its unit): what JetStream delivers to it
 * (the card changes its view follows, direct-get replies) goes only there, and no kiosk link is
 * ever given a hub user's inbox, so none of it can cross to a kiosk.
 */
export const REGISTRY_INBOX_PREFIX = ownInbox(REGISTRY_USER);
export const ROUTE_USER = 'route';
/** The staff sign-in service on a hub node (kiosk-staff-auth.service). */
export const STAFF_AUTH_USER = 'staff-auth';
export const PASSWORD_VARIABLES = {
  staff: 'STAFF_PASSWORD',
  /** The staff-auth instances' login (LoadCredential= of kiosk-staff-auth.service). */
  staffAuth: 'STAFF_AUTH_PASSWORD',
  admin: 'ADMIN_PASSWORD',
  route: 'ROUTE_PASSWORD',
  /** The registry instances' login (each node's registry reads it through systemd LoadCredential=). */
  registry: 'REGISTRY_PASSWORD',
} as const;
/** A staff desk's own server: the console user's password, in the desk's hub-link.conf. */
export const CONSOLE_PASSWORD_VARIABLE = 'CONSOLE_PASSWORD';

/** The site secret behind one desk's console password (config variables are per machine). */
export function deskConsoleSecret(desk: string): string {
  return `DESK_CONSOLE_PASSWORD_${desk.toUpperCase().replaceAll('-', '_')}`;
}

/** Never granted to anyone (platform/nats-grants.ts): a stream or bucket deleted, purged or cut, or a message deleted. */
export { JETSTREAM_DESTRUCTION } from '../../platform/nats-grants.ts';
/** Defined in the hub's secrets include: the cluster routes, with the route credentials in each URL. */
export const HUB_ROUTES_VARIABLE = 'HUB_ROUTES';
/** Defined in a leaf's `hub-link.conf`: the hub nodes' leafnode URLs, with the link's credentials in each URL. */
export const HUB_LINK_VARIABLE = 'HUB_LEAF_URLS';
