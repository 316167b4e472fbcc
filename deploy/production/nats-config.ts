// The production NATS topology as code: who may publish and subscribe what, and the nats-server
// configs that enforce it (hub nodes, kiosk leaf nodes, staff desk leaf nodes). One source for the
// configs in deploy/production/, for `make-kiosk-config.ts` and for the isolation test, so the test
// runs exactly the rules that ship.
//
// The design (docs/deployment.md says why): one application account on the hub, one user per kiosk
// link with an allowlist pinned to that kiosk's id, enforced by the hub whatever the kiosk's own
// config says; on each kiosk, its own server keeps the kiosk-local subjects (which carry the PIN and
// the user code) and refuses to export them over the link. Only features of nats-server 2.9 are
// used; `sync_interval` (2.10) is a site option, off by default.
import { ALL_KIOSK_VIEWS_SUBJECT, isKioskId, JETSTREAM, KIOSK_DISCOVER_SUBJECT, kioskSubjects } from '../../machines/contract/index.ts';

export type ConnectionType = 'STANDARD' | 'WEBSOCKET' | 'LEAFNODE';

export interface SubjectPermissions {
  publish: readonly string[];
  subscribe: readonly string[];
  /** May answer the requests it receives (one reply each) without a publish grant on inboxes. */
  allowResponses?: boolean;
}

export interface NatsUser {
  user: string;
  /** The config variable that holds the password (defined in an include file); none for users reached through `no_auth_user`. */
  passwordVariable?: string;
  /** Absent: no restriction (only ever for test observers). */
  permissions?: SubjectPermissions;
  connectionTypes: readonly ConnectionType[];
  /** Why the user exists; written above it in the config. */
  note: string;
}

/** The hub's application account: registry, staff, admin and every kiosk link. */
export const HUB_ACCOUNT = 'MOEACA';
/** The account on a kiosk's or staff desk's own server (the leaf link binds it to the hub's). */
export const LEAF_ACCOUNT = 'LOCAL';
/** nats.js inboxes: replies to requests come back here. */
const INBOX = '_INBOX.>';
const REGISTRY_PING = '$SRV.PING.registry';

function assertKiosk(kioskId: string): void {
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
export const ROUTE_USER = 'route';
export const PASSWORD_VARIABLES = {
  staff: 'STAFF_PASSWORD',
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

/**
 * Never granted to anyone: deleting or purging a stream or a bucket (a KV bucket is a stream), or
 * deleting single messages. The registry's history is its audit trail; an operator who must remove
 * data does it with the system account, not with an application user (docs/security.md).
 */
export const JETSTREAM_DESTRUCTION: readonly string[] = ['$JS.API.STREAM.DELETE.>', '$JS.API.STREAM.PURGE.>', '$JS.API.STREAM.MSG.DELETE.>'];
/** Defined in the hub's secrets include: the cluster routes, with the route credentials in each URL. */
export const HUB_ROUTES_VARIABLE = 'HUB_ROUTES';
/** Defined in a leaf's `hub-link.conf`: the hub nodes' leafnode URLs, with the link's credentials in each URL. */
export const HUB_LINK_VARIABLE = 'HUB_LEAF_URLS';

// ---------------------------------------------------------------------------------------------
// The rules

/**
 * A kiosk's leaf link, from the kiosk's side: `publish` is what the kiosk may send into the hub,
 * `subscribe` what the hub may deliver to it. The hub enforces this, so a kiosk whose own server
 * was reconfigured still cannot step outside it.
 */
export function kioskLinkPermissions(kioskId: string): SubjectPermissions {
  const kiosk = kioskSubjects(kioskId);
  return {
    publish: [
      kiosk.view,
      kiosk.inspect,
      kioskRegistrySubjects(kioskId),
      // the UI server's /healthz asks whether any registry instance answers
      REGISTRY_PING,
      // replies to the staff console's view.get, inspect.machine, engine.stats and kiosk.discover
      INBOX,
    ],
    subscribe: [kiosk.staff, kiosk.viewGet, kiosk.inspectMachine, kiosk.engineStats, KIOSK_DISCOVER_SUBJECT, INBOX],
  };
}

/** The engine, the card agent and the UI server on the kiosk's own server. */
export function kioskPartsPermissions(kioskId: string): SubjectPermissions {
  const kiosk = kioskSubjects(kioskId);
  return {
    publish: [
      kiosk.view,
      kiosk.viewGet,
      kiosk.inspect,
      `kiosk.${kioskId}.card.>`,
      kioskRegistrySubjects(kioskId),
      REGISTRY_PING,
      // the engine's session snapshots, in the kiosk's own JetStream domain
      '$JS.API.>',
      `$KV.${JETSTREAM.kioskSnapshotsBucket}.>`,
    ],
    subscribe: [`kiosk.${kioskId}.>`, KIOSK_DISCOVER_SUBJECT, INBOX, '$SRV.>'],
    allowResponses: true,
  };
}

/** The kiosk page in Chromium (websocket): input out, views in. Never the card agent's subjects. */
export function kioskBrowserPermissions(kioskId: string): SubjectPermissions {
  const kiosk = kioskSubjects(kioskId);
  return { publish: [kiosk.input, kiosk.viewGet], subscribe: [kiosk.view, INBOX] };
}

/** The staff console and the inspector, for every kiosk. */
export function staffPermissions(): SubjectPermissions {
  return {
    publish: [
      'kiosk.*.staff',
      'ra.staff.>',
      KIOSK_DISCOVER_SUBJECT,
      'kiosk.*.view.get',
      'kiosk.*.inspect.machine',
      'kiosk.*.engine.stats',
    ],
    subscribe: [ALL_KIOSK_VIEWS_SUBJECT, 'kiosk.*.inspect', INBOX],
  };
}

/** Registering issuance records (`ra.admin.*`): the issuing side's tool, on a hub node. */
export function adminPermissions(): SubjectPermissions {
  return { publish: ['ra.admin.>'], subscribe: [INBOX] };
}

/** The registry instances: every `ra.` request, JetStream for their records and events. */
export function registryPermissions(): SubjectPermissions {
  return {
    publish: ['$JS.API.>', '$JS.ACK.>', '$JS.FC.>', '$KV.>', 'ra.events.>'],
    subscribe: ['ra.>', '$SRV.>', INBOX],
    allowResponses: true,
  };
}

/**
 * What a kiosk's own server never sends over the link (`deny_exports`) nor takes from it
 * (`deny_imports`), whatever the hub would allow: the subjects that carry the PIN, the user code and
 * the ID stay on the box, and the box's JetStream domain stays its own.
 */
export const KIOSK_LINK_DENY_EXPORTS: readonly string[] = [
  'kiosk.*.input',
  'kiosk.*.card.>',
  'kiosk.*.staff',
  'ra.admin.>',
  'ra.staff.>',
  '$JS.>',
  '$KV.>',
];
export const KIOSK_LINK_DENY_IMPORTS: readonly string[] = [
  'kiosk.*.input',
  'kiosk.*.card.>',
  'ra.>',
  '$SRV.>',
  '$JS.>',
  '$KV.>',
];

export function hubUsers(site: Pick<Site, 'kiosks' | 'tls'> & { staffDesks?: readonly string[] }): NatsUser[] {
  // With TLS a leaf link is the user its certificate names, and a password does nothing; without
  // (a lab), the link's password decides.
  const mapped = site.tls === true;
  const staffDesks = mapped
    ? (site.staffDesks ?? []).map(
        (desk): NatsUser => ({
          user: certificateUser(deskCertificateName(desk)),
          permissions: staffPermissions(),
          connectionTypes: ['LEAFNODE'],
          note: `the leaf link of staff desk ${desk}, by its client certificate`,
        }),
      )
    : [];
  return [
    {
      user: REGISTRY_USER,
      passwordVariable: PASSWORD_VARIABLES.registry,
      permissions: registryPermissions(),
      connectionTypes: ['STANDARD'],
      note: 'registry instances on this node, on 127.0.0.1 (password through systemd LoadCredential=)',
    },
    {
      user: STAFF_USER,
      passwordVariable: PASSWORD_VARIABLES.staff,
      permissions: staffPermissions(),
      connectionTypes: mapped ? ['STANDARD'] : ['STANDARD', 'LEAFNODE'],
      note: mapped
        ? 'staff console and inspector as a client on a hub node (desks link by certificate, below)'
        : 'staff console and inspector: a staff desk leaf node, or a client on a hub node',
    },
    {
      user: ADMIN_USER,
      passwordVariable: PASSWORD_VARIABLES.admin,
      permissions: adminPermissions(),
      connectionTypes: ['STANDARD'],
      note: 'registering issuance records (ra.admin.*), from a hub node only',
    },
    ...staffDesks,
    ...site.kiosks.map(
      (kioskId): NatsUser =>
        mapped
          ? {
              user: certificateUser(kioskCertificateName(kioskId)),
              permissions: kioskLinkPermissions(kioskId),
              connectionTypes: ['LEAFNODE'],
              note: `the leaf link of kiosk ${kioskId}, by its client certificate: its own subjects only`,
            }
          : {
              user: kioskLinkUser(kioskId),
              passwordVariable: kioskPasswordVariable(kioskId),
              permissions: kioskLinkPermissions(kioskId),
              connectionTypes: ['LEAFNODE'],
              note: `the leaf link of kiosk ${kioskId}: its own subjects only`,
            },
    ),
  ];
}

export function kioskLocalUsers(kioskId: string): NatsUser[] {
  return [
    {
      user: 'parts',
      permissions: kioskPartsPermissions(kioskId),
      connectionTypes: ['STANDARD'],
      note: 'the engine, the card agent and the UI server: TCP on 127.0.0.1 without credentials (no_auth_user)',
    },
    {
      user: 'browser',
      permissions: kioskBrowserPermissions(kioskId),
      connectionTypes: ['WEBSOCKET'],
      note: 'the kiosk page in Chromium: the websocket on 127.0.0.1 (its no_auth_user)',
    },
  ];
}

export function staffDeskLocalUsers(): NatsUser[] {
  return [
    {
      user: 'console',
      passwordVariable: CONSOLE_PASSWORD_VARIABLE,
      permissions: staffPermissions(),
      connectionTypes: ['STANDARD', 'WEBSOCKET'],
      note: 'the staff console and inspector pages (websocket, login from the UI server) and the UI server, on 127.0.0.1',
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// The site and where things listen

export interface HubNode {
  name: string;
  /** How kiosks and the other hub nodes reach this node. */
  host: string;
  /** Ports of this node where they differ from the others' (several nodes on one host, as in a rehearsal). */
  clusterPort?: number;
  leafPort?: number;
}

const clusterPortOf = (node: HubNode, listen: HubListen) => node.clusterPort ?? listen.clusterPort;
const leafPortOf = (node: HubNode, listen: HubListen) => node.leafPort ?? listen.leafPort;

export interface Site {
  hub: { cluster: string; nodes: HubNode[] };
  kiosks: string[];
  staffDesks: string[];
  /** Render the TLS blocks active (certificates under `tlsDir`); otherwise they are written commented out. */
  tls?: boolean;
  /** A lab or rehearsal without TLS: the generator refuses `tls: false` unless this is set. */
  lab?: boolean;
  /**
   * JetStream's `sync_interval` (nats-server >= 2.10 only; 2.9 refuses the field): `"always"` to
   * fsync every write before acknowledging it. Absent, the configs carry it commented out.
   */
  syncInterval?: string;
}

export interface HubListen {
  /** Client port, loopback only: the registry instances and the admin tool on the same node. */
  clientPort: number;
  clusterPort: number;
  leafPort: number;
  /** Monitoring (`/varz`, `/leafz`, `/jsz`) on loopback; 0 leaves it off. */
  monitorPort: number;
  /** Where cluster routes and leaf links are accepted. */
  listenHost: string;
  storeDir: string;
  tlsDir: string;
}

export interface LeafListen {
  clientPort: number;
  websocketPort: number;
  /** The UI server's port: the only page origin whose websocket is accepted (default 8080). */
  uiPort?: number;
  monitorPort: number;
  storeDir: string;
  tlsDir: string;
}

export const PRODUCTION_HUB: HubListen = {
  clientPort: 4222,
  clusterPort: 6222,
  leafPort: 7422,
  monitorPort: 8222,
  listenHost: '0.0.0.0',
  storeDir: '/var/lib/moeaca-nats/jetstream',
  tlsDir: '/etc/moeaca-kiosk/tls',
};

export const PRODUCTION_LEAF: LeafListen = {
  clientPort: 4222,
  websocketPort: 9222,
  monitorPort: 8222,
  storeDir: '/var/lib/moeaca-nats/jetstream',
  tlsDir: '/etc/moeaca-kiosk/tls',
};

/** Links without TLS carry passwords in the clear: only where someone said "this is a lab". */
export function requireTlsOrLab(site: Pick<Site, 'tls' | 'lab'>): void {
  if (site.tls !== true && site.lab !== true) {
    throw new Error('the site has no TLS ("tls": true): set "lab": true to generate configs without TLS for a lab or rehearsal');
  }
}

export function validateSite(site: Site): void {
  requireTlsOrLab(site);
  if (site.hub.nodes.length === 0) throw new Error('the hub needs at least one node');
  const names = new Set(site.hub.nodes.map((node) => node.name));
  if (names.size !== site.hub.nodes.length) throw new Error('hub node names must differ');
  for (const node of site.hub.nodes) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(node.name)) throw new Error(`hub node name ${JSON.stringify(node.name)}: use [a-z0-9-]`);
  }
  for (const kioskId of site.kiosks) assertKiosk(kioskId);
  if (new Set(site.kiosks).size !== site.kiosks.length) throw new Error('kiosk ids must differ');
  for (const desk of site.staffDesks) {
    if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(desk)) throw new Error(`staff desk ${JSON.stringify(desk)}: use [a-z0-9-]`);
  }
}

/** The page origins of the machine's own UI server: loopback under both names. */
export function uiOrigins(uiPort = 8080): string[] {
  return [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
}

// ---------------------------------------------------------------------------------------------
// Rendering (nats-server's config syntax; strings quoted as JSON, which it reads the same way)

const q = (value: string) => JSON.stringify(value);
const list = (values: readonly string[]) => `[${values.map(q).join(', ')}]`;

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : by + line))
    .join('\n');
}

function renderUser(user: NatsUser): string {
  const lines = [`# ${user.note}`, '{', `  user: ${q(user.user)}`];
  if (user.passwordVariable !== undefined) lines.push(`  password: $${user.passwordVariable}`);
  if (user.permissions !== undefined) {
    const p = user.permissions;
    lines.push('  permissions: {');
    lines.push(`    publish: { allow: ${list(p.publish)}, deny: ${list(JETSTREAM_DESTRUCTION)} }`);
    lines.push(`    subscribe: { allow: ${list(p.subscribe)} }`);
    if (p.allowResponses) lines.push('    allow_responses: true');
    lines.push('  }');
  }
  lines.push(`  allowed_connection_types: ${list(user.connectionTypes)}`);
  lines.push('}');
  return lines.join('\n');
}

/**
 * Each kiosk's registry subjects mapped onto themselves. nats-server tells a leaf about the hub's
 * interest only where the link's allowlist covers the whole subscription, and the registry
 * subscribes one wildcard per endpoint for all kiosks (`ra.activation.verify.*`), which no single
 * kiosk's allowlist covers. A mapping's source counts as interest of its own: this one gives each
 * kiosk's link exactly `ra.activation.*.<kiosk>`, and the message then reaches the registry's
 * queue group unchanged.
 */
export function hubMappings(site: Pick<Site, 'kiosks'>): Record<string, string> {
  return Object.fromEntries(
    site.kiosks.map((kioskId) => [kioskRegistrySubjects(kioskId), `ra.activation.{{wildcard(1)}}.${kioskId}`]),
  );
}

function renderAccount(name: string, users: readonly NatsUser[], jetstream: boolean, mappings: Record<string, string> = {}): string {
  const mapped = Object.entries(mappings);
  return [
    'accounts {',
    `  ${name}: {`,
    ...(jetstream ? ['    jetstream: enabled'] : []),
    ...(mapped.length === 0
      ? []
      : [
          '    # Advertises each kiosk\'s own registry subjects over its link (nats-config.ts, hubMappings).',
          '    mappings: {',
          ...mapped.map(([from, to]) => `      ${q(from)}: ${q(to)}`),
          '    }',
        ]),
    '    users: [',
    indent(users.map(renderUser).join('\n'), '      '),
    '    ]',
    '  }',
    '}',
  ].join('\n');
}

/** A TLS block: active, or commented out under a line saying how to turn it on. */
function renderTls(active: boolean, lines: readonly string[], why: string): string {
  const block = ['tls {', ...lines.map((line) => `  ${line}`), '}'];
  if (active) return block.join('\n');
  return [`# ${why}`, ...block.map((line) => `# ${line}`)].join('\n');
}

const GENERATED =
  '# Generated by deploy/production/make-kiosk-config.ts from the site file. The rules live in\n' +
  '# deploy/production/nats-config.ts: change them there and generate again, not here.';

/** `sync_interval` arrived in nats-server 2.10; 2.9 fsyncs its file store every 2 minutes. */
function syncNote(site: Pick<Site, 'syncInterval'>, why: string): string[] {
  if (site.syncInterval !== undefined) {
    return ['  # fsync policy of the file store (nats-server >= 2.10; "syncInterval" in the site file)', `  sync_interval: ${site.syncInterval}`];
  }
  return [
    '  # nats-server >= 2.10: fsync every write before acknowledging it (2.9 has no sync_interval',
    `  # and fsyncs every 2 minutes; ${why}).`,
    '  # Set "syncInterval": "always" in the site file once every node runs 2.10 or later.',
    '  # sync_interval: always',
  ];
}

/** A machine's certificate, key and the site CA, as every TLS block of a site names them. */
function certificateFiles(tlsDir: string, name: string): string[] {
  return [`cert_file: ${q(`${tlsDir}/${name}.crt`)}`, `key_file: ${q(`${tlsDir}/${name}.key`)}`, `ca_file: ${q(`${tlsDir}/ca.crt`)}`];
}

/** Where a server takes clients: loopback only, its monitor when one is asked for, and the payload bound. */
function loopbackClientLines(listen: { clientPort: number; monitorPort: number }): string[] {
  return [
    'host: "127.0.0.1"',
    `port: ${listen.clientPort}`,
    ...(listen.monitorPort > 0 ? [`http: ${q(`127.0.0.1:${listen.monitorPort}`)}`] : []),
    'max_payload: 1048576',
  ];
}

/**
 * A leaf's one link to the hub, the same for a kiosk and a staff desk: the hub nodes' URLs from
 * hub-link.conf, into the leaf account, with the `filters` (deny lists) a leaf needs, over TLS with
 * this machine's client certificate.
 */
function hubLinkRemote(tls: boolean, tlsDir: string, certificateName: string, why: string, filters: readonly string[] = []): string[] {
  return [
    'leafnodes {',
    '  remotes: [',
    '    {',
    `      urls: $${HUB_LINK_VARIABLE}`,
    `      account: ${q(LEAF_ACCOUNT)}`,
    ...filters,
    indent(renderTls(tls, certificateFiles(tlsDir, certificateName), why), '      '),
    '    }',
    '  ]',
    '}',
    '',
  ];
}

export interface HubNodeOptions {
  site: Site;
  node: HubNode;
  listen?: HubListen;
  /** Defaults to `hubUsers(site)`; tests add observers. */
  users?: readonly NatsUser[];
}

export function renderHubNode(options: HubNodeOptions): string {
  const { site, node } = options;
  validateSite(site);
  const listen = options.listen ?? PRODUCTION_HUB;
  const users = options.users ?? hubUsers(site);
  const tls = site.tls === true;
  const certs = (name: string) => certificateFiles(listen.tlsDir, name);
  const clustered = site.hub.nodes.length > 1;
  const parts = [
    `# nats-server configuration of hub node "${node.name}" (cluster "${site.hub.cluster}").`,
    GENERATED,
    '',
    `server_name: ${q(node.name)}`,
    '# Clients only from this node: the registry instances and the admin tool, each with its own',
    '# password. Kiosks and staff desks come in as leaf nodes, other hub nodes as routes.',
    ...loopbackClientLines(listen),
    '',
    '# secrets.conf (0600, owner nats; written by make-kiosk-config.ts, never committed) defines',
    `# ${PASSWORD_VARIABLES.route}, ${HUB_ROUTES_VARIABLE}, ${PASSWORD_VARIABLES.registry}, ${PASSWORD_VARIABLES.staff}, ${PASSWORD_VARIABLES.admin}${tls ? '' : ' and one KIOSK_PASSWORD_<ID> per kiosk'}.`,
    'include "secrets.conf"',
    '',
    'jetstream {',
    `  store_dir: ${q(listen.storeDir)}`,
    '  domain: "hub"',
    '  max_memory_store: 268435456',
    '  max_file_store: 21474836480',
    ...syncNote(site, 'until then an acknowledged write survives a crash only through its replicas: streams at R3'),
    '}',
    '',
  ];
  if (clustered) {
    parts.push(
      'cluster {',
      `  name: ${q(site.hub.cluster)}`,
      `  host: ${q(listen.listenHost)}`,
      `  port: ${clusterPortOf(node, listen)}`,
      '  # Clients connect only on loopback: do not hand them the other nodes\' addresses.',
      '  no_advertise: true',
      `  authorization { user: ${q(ROUTE_USER)}, password: $${PASSWORD_VARIABLES.route} }`,
      `  routes: $${HUB_ROUTES_VARIABLE}`,
      indent(renderTls(tls, [...certs(node.name), 'verify: true', 'timeout: 2'], 'Routes between hub nodes: mutual TLS (set "tls": true in the site file).'), '  '),
      '}',
      '',
    );
  } else {
    parts.push('# A single node: no cluster block (the site has one hub node).', '');
  }
  parts.push(
    'leafnodes {',
    `  host: ${q(listen.listenHost)}`,
    `  port: ${leafPortOf(node, listen)}`,
    `  advertise: ${q(`${node.host}:${leafPortOf(node, listen)}`)}`,
    '  # No authorization block here on purpose: leaf links authenticate as users of the account',
    '  # below, so their permissions apply (nats-server has no permissions on leafnode-only users).',
    '  # With TLS, verify_and_map makes each link the user its client certificate names',
    '  # ("CN=kiosk-<id>", "CN=staff-<desk>"): a password sent along is ignored.',
    indent(
      renderTls(tls, [...certs(node.name), 'verify_and_map: true', 'timeout: 2'], 'Kiosk and staff desk links: TLS with client certificates mapped to their users (set "tls": true in the site file and generate again).'),
      '  ',
    ),
    '}',
    '',
    '# No anonymous user: a client without credentials is refused, whatever it asks for.',
    '',
    renderAccount(HUB_ACCOUNT, users, true, hubMappings(site)),
    '',
  );
  return parts.join('\n');
}

export interface KioskLeafOptions {
  kioskId: string;
  site: Pick<Site, 'tls' | 'lab' | 'syncInterval'>;
  listen?: LeafListen;
  /** Defaults to `kioskLocalUsers(kioskId)`; tests add an observer. */
  users?: readonly NatsUser[];
}

export function renderKioskLeaf(options: KioskLeafOptions): string {
  const { kioskId } = options;
  assertKiosk(kioskId);
  const listen = options.listen ?? PRODUCTION_LEAF;
  const users = options.users ?? kioskLocalUsers(kioskId);
  requireTlsOrLab(options.site);
  const tls = options.site.tls === true;
  return [
    `# nats-server configuration of kiosk "${kioskId}": its own server, a leaf node of the hub.`,
    GENERATED,
    '',
    `server_name: ${q(`kiosk-${kioskId}`)}`,
    ...loopbackClientLines(listen),
    '',
    `# hub-link.conf (0600, owner nats; written by make-kiosk-config.ts, never committed) defines`,
    `# ${HUB_LINK_VARIABLE}: the hub nodes' leafnode URLs (with TLS the client certificate is the login;`,
    '# without, the URLs carry this kiosk\'s link password).',
    'include "hub-link.conf"',
    '',
    '# The engine\'s session snapshots stay on the box, in a JetStream domain of its own: the',
    '# JetStream API is not extended over the link.',
    'jetstream {',
    `  store_dir: ${q(listen.storeDir)}`,
    `  domain: ${q(`kiosk-${kioskId}`)}`,
    '  max_memory_store: 67108864',
    '  max_file_store: 1073741824',
    ...syncNote(options.site, 'a power cut may lose the newest snapshots: the engine resumes from an older one and re-reads the card'),
    '}',
    '',
    'websocket {',
    '  host: "127.0.0.1"',
    `  port: ${listen.websocketPort}`,
    '  # Plain websocket only because it listens on loopback for the browser on this box.',
    '  no_tls: true',
    '  # Only the kiosk page itself: a page from any other origin is refused at the upgrade.',
    `  allowed_origins: ${list(uiOrigins(listen.uiPort))}`,
    '  no_auth_user: "browser"',
    '}',
    '',
    'no_auth_user: "parts"',
    '',
    renderAccount(LEAF_ACCOUNT, users, true),
    '',
    ...hubLinkRemote(
      tls,
      listen.tlsDir,
      kioskCertificateName(kioskId),
      'The link to the hub: TLS with this kiosk\'s client certificate, subject "CN=kiosk-<id>", which the hub maps to this kiosk\'s link user (set "tls": true in the site file).',
      [`      deny_exports: ${list(KIOSK_LINK_DENY_EXPORTS)}`, `      deny_imports: ${list(KIOSK_LINK_DENY_IMPORTS)}`],
    ),
  ].join('\n');
}

export interface StaffDeskLeafOptions {
  desk: string;
  site: Pick<Site, 'tls' | 'lab'>;
  listen?: Omit<LeafListen, 'storeDir'>;
}

/**
 * A staff desk: the staff console and inspector pages talk to a websocket on their own machine's
 * loopback (as the UI server's /config.json says), and that server's leaf link authenticates as the
 * staff user. No credentials ever reach a browser.
 */
export function renderStaffDeskLeaf(options: StaffDeskLeafOptions): string {
  const listen = options.listen ?? PRODUCTION_LEAF;
  requireTlsOrLab(options.site);
  const tls = options.site.tls === true;
  return [
    `# nats-server configuration of staff desk "${options.desk}": a leaf node of the hub.`,
    GENERATED,
    '',
    `server_name: ${q(`staff-${options.desk}`)}`,
    ...loopbackClientLines(listen),
    '',
    `# hub-link.conf (0600) defines ${HUB_LINK_VARIABLE} (the staff credentials in a lab; with TLS the desk's certificate) and`,
    `# ${CONSOLE_PASSWORD_VARIABLE}, the console's login (the desk's UI server hands it to its own pages only).`,
    'include "hub-link.conf"',
    '',
    'websocket {',
    '  host: "127.0.0.1"',
    `  port: ${listen.websocketPort}`,
    '  no_tls: true',
    '  # Only the desk\'s own pages: a page from any other origin is refused at the upgrade.',
    `  allowed_origins: ${list(uiOrigins(listen.uiPort))}`,
    '}',
    '',
    '# No anonymous user: every client logs in as the console user.',
    '',
    renderAccount(LEAF_ACCOUNT, staffDeskLocalUsers(), false),
    '',
    ...hubLinkRemote(
      tls,
      listen.tlsDir,
      deskCertificateName(options.desk),
      'The link to the hub: TLS with this desk\'s client certificate (set "tls": true in the site file).',
    ),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Secrets: include files that define the variables the configs above refer to

/** Every password of a site, by config variable name. */
export type SiteSecrets = Record<string, string>;

/** Every variable the hub's secrets include must define (nats-server refuses one that no config uses). */
export function requiredSecretVariables(site: Pick<Site, 'hub' | 'kiosks' | 'tls'>): string[] {
  const routes = site.hub.nodes.length > 1 ? [PASSWORD_VARIABLES.route] : [];
  // With TLS kiosk links are their certificates (verify_and_map): no kiosk password exists.
  const kioskPasswords = site.tls === true ? [] : site.kiosks.map(kioskPasswordVariable);
  return [...routes, PASSWORD_VARIABLES.registry, PASSWORD_VARIABLES.staff, PASSWORD_VARIABLES.admin, ...kioskPasswords];
}

/** Every secret of a site: the hub's, and each desk's console password. */
export function siteSecretVariables(site: Pick<Site, 'hub' | 'kiosks' | 'staffDesks' | 'tls'>): string[] {
  return [...requiredSecretVariables(site), ...site.staffDesks.map(deskConsoleSecret)];
}

function secret(secrets: SiteSecrets, variable: string): string {
  const value = secrets[variable];
  if (value === undefined || value === '') throw new Error(`no secret ${variable}`);
  // Passwords travel inside URLs (routes, leaf remotes): keep them to characters URLs carry as is.
  if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new Error(`secret ${variable} must be [A-Za-z0-9_-]`);
  return value;
}

const SECRET_HEADER = '# Secrets (0600, owner nats). Written by deploy/production/make-kiosk-config.ts; never commit.';

export function renderHubSecrets(site: Site, secrets: SiteSecrets, listen: HubListen = PRODUCTION_HUB): string {
  validateSite(site);
  const lines = [SECRET_HEADER, ...requiredSecretVariables(site).map((variable) => `${variable}: ${q(secret(secrets, variable))}`)];
  if (site.hub.nodes.length > 1) {
    const routePassword = secret(secrets, PASSWORD_VARIABLES.route);
    const routes = site.hub.nodes.map((node) => `nats-route://${ROUTE_USER}:${routePassword}@${node.host}:${clusterPortOf(node, listen)}`);
    lines.push(`${HUB_ROUTES_VARIABLE}: ${list(routes)}`);
  }
  return [...lines, ''].join('\n');
}

/** `login` absent: the link is its client certificate (a TLS site), and the URLs carry no credentials. */
function renderHubLink(login: { user: string; password: string } | undefined, site: Site, listen: HubListen): string {
  const credentials = login === undefined ? '' : `${login.user}:${login.password}@`;
  const urls = site.hub.nodes.map((node) => `nats-leaf://${credentials}${node.host}:${leafPortOf(node, listen)}`);
  return [SECRET_HEADER, `${HUB_LINK_VARIABLE}: ${list(urls)}`, ''].join('\n');
}

export function renderKioskHubLink(kioskId: string, site: Site, secrets: SiteSecrets, listen: HubListen = PRODUCTION_HUB): string {
  const login = site.tls === true ? undefined : { user: kioskLinkUser(kioskId), password: secret(secrets, kioskPasswordVariable(kioskId)) };
  return renderHubLink(login, site, listen);
}

export function renderStaffHubLink(site: Site, secrets: SiteSecrets, listen: HubListen = PRODUCTION_HUB, desk = site.staffDesks[0] ?? ''): string {
  const console = `${CONSOLE_PASSWORD_VARIABLE}: ${q(secret(secrets, deskConsoleSecret(desk)))}`;
  const login = site.tls === true ? undefined : { user: STAFF_USER, password: secret(secrets, PASSWORD_VARIABLES.staff) };
  return renderHubLink(login, site, listen).replace(/\n$/, `\n${console}\n`);
}
