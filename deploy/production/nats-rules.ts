// The production NATS topology as code, part 1: who may publish and subscribe what (the users and
// their allowlists, written in the names of nats-names.ts). nats-site.ts says where things run, nats-config.ts renders the nats-server
// configs that enforce it (hub nodes, kiosk leaf nodes, staff desk leaf nodes). One source for the
// configs in deploy/production/, for `make-kiosk-config.ts` and for the isolation test, so the test
// runs exactly the rules that ship.
//
// The design (docs/deployment.md says why): one application account on the hub, one user per kiosk
// link with an allowlist pinned to that kiosk's id, enforced by the hub whatever the kiosk's own
// config says; on each kiosk, its own server keeps the kiosk-local subjects (which carry the PIN and
// the user code) and refuses to export them over the link. Only features of nats-server 2.9 are
// used; `sync_interval` (2.10) is a site option, off by default.
import { ALL_KIOSK_VIEWS_SUBJECT, JETSTREAM, KIOSK_DISCOVER_SUBJECT, kioskSubjects, REGISTRY_SUBJECTS, STAFF_AUTH_SUBJECTS, STAFF_BUCKET, STAFF_PENDING_BUCKET } from '../../machines/contract/index.ts';
import { kvBucketApi, kvBucketKeys } from '../../platform/nats-grants.ts';
import type { Site } from './nats-site.ts';
import { ADMIN_USER, CONSOLE_PASSWORD_VARIABLE, PASSWORD_VARIABLES, REGISTRY_USER, STAFF_AUTH_USER, STAFF_USER, certificateUser, deskCertificateName, deskInbox, kioskCertificateName, kioskInbox, kioskLinkUser, kioskLocalPasswordVariable, kioskPasswordVariable, kioskRegistrySubjects, ownInbox, under, type KioskLocalUser } from './nats-names.ts';

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
const REGISTRY_PING = '$SRV.PING.registry';

export * from './nats-names.ts';

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
      under(ownInbox(STAFF_USER)),
      under('_INBOX.desk'),
    ],
    // Replies to this kiosk's parts only: no other kiosk's, no hub user's.
    subscribe: [kiosk.staff, kiosk.viewGet, kiosk.inspectMachine, kiosk.engineStats, KIOSK_DISCOVER_SUBJECT, `_INBOX.kiosk.${kioskId}.>`],
  };
}

/** The engine, the card agent and the UI server on the kiosk's own server, each reading only its own inbox. */
export function kioskPartsPermissions(kioskId: string, part: Exclude<KioskLocalUser, 'browser'>): SubjectPermissions {
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
    subscribe: [`kiosk.${kioskId}.>`, KIOSK_DISCOVER_SUBJECT, under(kioskInbox(kioskId, part)), '$SRV.>'],
    allowResponses: true,
  };
}

/** The kiosk page in Chromium (websocket): input out, views in. Never the card agent's subjects. */
export function kioskBrowserPermissions(kioskId: string): SubjectPermissions {
  const kiosk = kioskSubjects(kioskId);
  return { publish: [kiosk.input, kiosk.viewGet], subscribe: [kiosk.view, under(kioskInbox(kioskId, 'browser'))] };
}

/**
 * Staff sign-in from the console: the passkey ceremonies (begin and finish of sign-in, and of
 * enrolling with an operator's one-time code) and signing out. Never `ra.admin.staff.*`, which
 * makes the codes.
 */
export const STAFF_SIGN_IN_SUBJECTS: readonly string[] = [
  STAFF_AUTH_SUBJECTS.signInBegin,
  STAFF_AUTH_SUBJECTS.signInFinish,
  STAFF_AUTH_SUBJECTS.enrollBegin,
  STAFF_AUTH_SUBJECTS.enrollFinish,
  STAFF_AUTH_SUBJECTS.signOut,
];

/** The staff console and the inspector, for every kiosk; replies only under `inboxes`. */
export function staffPermissions(inboxes: readonly string[] = [ownInbox(STAFF_USER)]): SubjectPermissions {
  return {
    publish: [
      'kiosk.*.staff',
      'ra.staff.>',
      ...STAFF_SIGN_IN_SUBJECTS,
      KIOSK_DISCOVER_SUBJECT,
      'kiosk.*.view.get',
      'kiosk.*.inspect.machine',
      'kiosk.*.engine.stats',
      // the office dashboard's read-only question to the registry (no JetStream access of its own)
      REGISTRY_SUBJECTS.dashboardEvents,
    ],
    subscribe: [ALL_KIOSK_VIEWS_SUBJECT, 'kiosk.*.inspect', ...inboxes.map(under)],
  };
}

/** Registering issuance records (`ra.admin.*`): the issuing side's tool, on a hub node. */
export function adminPermissions(): SubjectPermissions {
  // and reading RA_AUDIT message by message for `npm run audit -- export` (no consumer); the
  // operator's tools wait until a registry instance answers before they ask it anything.
  return {
    publish: ['ra.admin.>', REGISTRY_PING, '$JS.API.INFO', '$JS.API.STREAM.INFO.RA_AUDIT', '$JS.API.STREAM.MSG.GET.RA_AUDIT'],
    subscribe: [under(ownInbox(ADMIN_USER))],
  };
}

/**
 * The registry instances: every `ra.` request, JetStream for their records and events, and the
 * staff audit trail (RA_AUDIT, `ra.audit.staff.<action>`), written as part of every staff change.
 */
export function registryPermissions(): SubjectPermissions {
  return {
    publish: ['$JS.API.>', '$JS.ACK.>', '$JS.FC.>', '$KV.>', 'ra.events.>', 'ra.audit.staff.>'],
    subscribe: ['ra.>', '$SRV.>', under(ownInbox(REGISTRY_USER))],
    allowResponses: true,
  };
}


/**
 * The staff sign-in service: answers the console's ceremonies (`ra.staffauth.*`) and the operator's
 * `ra.admin.staff.*`, and keeps its two buckets (enrolled staff, pending ceremonies). Nothing of the
 * registry's: it never reads a card.
 */
export function staffAuthPermissions(): SubjectPermissions {
  return {
    // `npm run staff -- list` reads the enrolled staff with direct gets: no consumer.
    publish: [...kvBucketApi(STAFF_BUCKET), kvBucketKeys(STAFF_BUCKET), ...kvBucketApi(STAFF_PENDING_BUCKET), kvBucketKeys(STAFF_PENDING_BUCKET)],
    subscribe: ['ra.staffauth.>', 'ra.admin.staff.>', under(ownInbox(STAFF_AUTH_USER))],
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
  // The page's replies (view.get) come from the engine on the box and never leave it.
  '_INBOX.kiosk.*.browser.>',
];
export const KIOSK_LINK_DENY_IMPORTS: readonly string[] = [
  'kiosk.*.input',
  'kiosk.*.card.>',
  'ra.>',
  '$SRV.>',
  '$JS.>',
  '$KV.>',
  '_INBOX.kiosk.*.browser.>',
];

export function hubUsers(site: Pick<Site, 'kiosks' | 'tls'> & { staffDesks?: readonly string[] }): NatsUser[] {
  // With TLS a leaf link is the user its certificate names, and a password does nothing; without
  // (a lab), the link's password decides.
  const mapped = site.tls === true;
  const staffDesks = mapped
    ? (site.staffDesks ?? []).map(
        (desk): NatsUser => ({
          user: certificateUser(deskCertificateName(desk)),
          permissions: staffPermissions([deskInbox(desk)]),
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
      // In a lab the desks link as this user too, so their inboxes come back over it.
      permissions: staffPermissions([ownInbox(STAFF_USER), ...(mapped ? [] : (site.staffDesks ?? []).map(deskInbox))]),
      connectionTypes: mapped ? ['STANDARD'] : ['STANDARD', 'LEAFNODE'],
      note: mapped
        ? 'staff console and inspector as a client on a hub node (desks link by certificate, below)'
        : 'staff console and inspector: a staff desk leaf node, or a client on a hub node',
    },
    {
      user: STAFF_AUTH_USER,
      passwordVariable: PASSWORD_VARIABLES.staffAuth,
      permissions: staffAuthPermissions(),
      connectionTypes: ['STANDARD'],
      note: 'staff sign-in instances on this node, on 127.0.0.1 (password through systemd LoadCredential=)',
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
  const part = (user: Exclude<KioskLocalUser, 'browser'>, note: string): NatsUser => ({
    user,
    passwordVariable: kioskLocalPasswordVariable(user),
    permissions: kioskPartsPermissions(kioskId, user),
    connectionTypes: ['STANDARD'],
    note: `${note}: TCP on 127.0.0.1, its password through systemd LoadCredential=`,
  });
  return [
    part('engine', 'the kiosk engine'),
    part('card-agent', 'the card agent'),
    part('ui', 'the UI server'),
    {
      user: 'browser',
      passwordVariable: kioskLocalPasswordVariable('browser'),
      permissions: kioskBrowserPermissions(kioskId),
      connectionTypes: ['WEBSOCKET'],
      note: 'the kiosk page in Chromium: the websocket on 127.0.0.1, its login from the UI server to the browser\'s OS user only',
    },
  ];
}

export function staffDeskLocalUsers(desk: string): NatsUser[] {
  return [
    {
      user: 'console',
      passwordVariable: CONSOLE_PASSWORD_VARIABLE,
      permissions: staffPermissions([deskInbox(desk)]),
      connectionTypes: ['STANDARD', 'WEBSOCKET'],
      note: 'the staff console and inspector pages (websocket, login from the UI server) and the UI server, on 127.0.0.1',
    },
  ];
}
