// Who may do what on the embedded stack's nats-server (`npm start`): one user per part, per
// browser page, for staff and for the admin tool, each with the least it needs (docs/security.md
// lists them and the tests that prove each one). Every user has its own inbox prefix
// (`_INBOX.<user>`) and may subscribe only to that, so no part can read another's replies.
import { JETSTREAM_DESTRUCTION, kvBucketApi, kvBucketKeys } from '../../../platform/nats-grants.ts';
import {
  JETSTREAM,
  kioskSubjects,
  KIOSK_DISCOVER_SUBJECT,
  registrySubjectFor,
  ALL_KIOSK_VIEWS_SUBJECT,
  STAFF_BUCKET,
  STAFF_PENDING_BUCKET,
} from '../../../machines/contract/index.ts';

export type EmbeddedUserName =
  | 'registry'
  | 'card-agent'
  | 'engine'
  | 'ui'
  | 'staff-auth'
  | 'stack'
  | 'admin'
  | 'staff'
  | 'inspector'
  | 'dashboard'
  | 'browser'
  | 'observer';

export interface EmbeddedUser {
  user: EmbeddedUserName;
  /** Where its replies come back; the only inbox it may read. */
  inboxPrefix: string;
  publish: { allow: string[]; deny?: string[] };
  subscribe: { allow: string[]; deny?: string[] };
  /** May answer the requests it receives, once each, without a publish grant on inboxes. */
  allowResponses: boolean;
  connectionTypes: ('STANDARD' | 'WEBSOCKET')[];
}

export interface EmbeddedUsersOptions {
  kioskId: string;
  /** The demo tray (simulated reader): the page may insert and remove demo cards. */
  demoTray: boolean;
  /** Tests only (STACK_TEST_OBSERVER=1): a user that reads every subject, to look for leaked secrets. */
  observer?: boolean;
}

export function inboxPrefixOf(user: EmbeddedUserName): string {
  return `_INBOX.${user}`;
}

/** Reading the audit stream message by message (`npm run audit -- export`): no consumer, replies to the reader's inbox only. */
export const AUDIT_READ = ['$JS.API.INFO', '$JS.API.STREAM.INFO.RA_AUDIT', '$JS.API.STREAM.MSG.GET.RA_AUDIT'];


export function embeddedUsers(options: EmbeddedUsersOptions): EmbeddedUser[] {
  const k = kioskSubjects(options.kioskId);
  const inbox = (user: EmbeddedUserName) => `${inboxPrefixOf(user)}.>`;
  const sim = options.demoTray ? [k.cardSimInsert, k.cardSimRemove] : [];
  const registryPing = '$SRV.PING.registry';
  const users: EmbeddedUser[] = [
    {
      user: 'registry',
      inboxPrefix: inboxPrefixOf('registry'),
      // Its own stream and buckets; never the engine's snapshots, never deleting a stream.
      publish: {
        allow: ['$JS.API.>', '$JS.ACK.>', '$JS.FC.>', `$KV.${JETSTREAM.registryCardsBucket}.>`, `$KV.${JETSTREAM.registryActivationsBucket}.>`, '$KV.ra_kiosk_limits.>', 'ra.events.>', 'ra.audit.staff.>'],
        deny: [...JETSTREAM_DESTRUCTION, `$JS.API.*.*.KV_${JETSTREAM.kioskSnapshotsBucket}`, `$JS.API.DIRECT.GET.KV_${JETSTREAM.kioskSnapshotsBucket}.>`],
      },
      // Every registry subject, but not staff sign-in's, which only the staff-auth part answers.
      subscribe: { allow: ['ra.>', '$SRV.*', '$SRV.*.registry', '$SRV.*.registry.*', inbox('registry')], deny: ['ra.staffauth.>', 'ra.admin.staff.>'] },
      allowResponses: true,
      connectionTypes: ['STANDARD'],
    },
    {
      user: 'engine',
      inboxPrefix: inboxPrefixOf('engine'),
      publish: {
        allow: [
          k.view,
          k.inspect,
          k.cardSelfcheck,
          k.cardRead,
          k.cardSetPin,
          registrySubjectFor('identify', options.kioskId),
          registrySubjectFor('verify', options.kioskId),
          registrySubjectFor('accept', options.kioskId),
          registrySubjectFor('complete', options.kioskId),
          registrySubjectFor('staffCheck', options.kioskId),
          ...kvBucketApi(JETSTREAM.kioskSnapshotsBucket),
          `$KV.${JETSTREAM.kioskSnapshotsBucket}.${options.kioskId}`,
        ],
      },
      subscribe: { allow: [k.input, k.staff, k.cardEvents, k.viewGet, KIOSK_DISCOVER_SUBJECT, k.engineStats, k.inspectMachine, inbox('engine')] },
      allowResponses: true,
      connectionTypes: ['STANDARD'],
    },
    {
      user: 'card-agent',
      inboxPrefix: inboxPrefixOf('card-agent'),
      publish: {
        allow: [
          k.cardEvents,
          registrySubjectFor('pinGrant', options.kioskId),
          registrySubjectFor('soLoginFailed', options.kioskId),
        ],
      },
      subscribe: {
        allow: [k.cardStatus, k.cardSelfcheck, k.cardRead, k.cardSetPin, ...sim, '$SRV.*', '$SRV.*.card-agent', '$SRV.*.card-agent.*', inbox('card-agent')],
      },
      allowResponses: true,
      connectionTypes: ['STANDARD'],
    },
    {
      user: 'ui',
      inboxPrefix: inboxPrefixOf('ui'),
      // /healthz asks each part the way its clients do; the kiosk's views (secret-free) go into
      // the page it serves, so that the first screen needs no websocket round trip.
      publish: { allow: [registryPing, k.cardStatus, k.viewGet] },
      subscribe: { allow: [k.view, inbox('ui')] },
      allowResponses: false,
      connectionTypes: ['STANDARD'],
    },
    {
      user: 'staff-auth',
      inboxPrefix: inboxPrefixOf('staff-auth'),
      // Passkey ceremonies and staff tokens: its two buckets, nothing of the registry's.
      publish: { allow: [...kvBucketApi(STAFF_BUCKET), ...kvBucketApi(STAFF_PENDING_BUCKET), kvBucketKeys(STAFF_BUCKET), kvBucketKeys(STAFF_PENDING_BUCKET)], deny: [...JETSTREAM_DESTRUCTION] },
      subscribe: { allow: ['ra.staffauth.>', 'ra.admin.staff.>', inbox('staff-auth')] },
      allowResponses: true,
      connectionTypes: ['STANDARD'],
    },
    {
      user: 'stack',
      inboxPrefix: inboxPrefixOf('stack'),
      // The launcher waits for the registry, registers the demo cards on first start and enrolls
      // the embedded kiosk's card-agent key.
      publish: { allow: [registryPing, 'ra.admin.import', 'ra.admin.list', 'ra.admin.enroll-agent'] },
      subscribe: { allow: [inbox('stack')] },
      allowResponses: false,
      connectionTypes: ['STANDARD'],
    },
    {
      user: 'admin',
      inboxPrefix: inboxPrefixOf('admin'),
      publish: { allow: [registryPing, 'ra.admin.>', ...AUDIT_READ] },
      subscribe: { allow: [inbox('admin')] },
      allowResponses: false,
      connectionTypes: ['STANDARD'],
    },
    {
      user: 'staff',
      inboxPrefix: inboxPrefixOf('staff'),
      // The staff console: passkey sign-in, every kiosk's view, staff events to a kiosk, the
      // registry's staff calls (each of which carries a verified staff token).
      publish: { allow: ['kiosk.*.staff', 'ra.staff.>', 'ra.staffauth.signin.*', 'ra.staffauth.enroll.*', 'ra.staffauth.signout', KIOSK_DISCOVER_SUBJECT, 'kiosk.*.view.get'] },
      subscribe: { allow: [ALL_KIOSK_VIEWS_SUBJECT, inbox('staff')] },
      allowResponses: false,
      connectionTypes: ['WEBSOCKET'],
    },
    {
      user: 'inspector',
      inboxPrefix: inboxPrefixOf('inspector'),
      // Read-only: views, inspection events, the machine's structure and the engine's counters.
      publish: { allow: [KIOSK_DISCOVER_SUBJECT, 'kiosk.*.view.get', 'kiosk.*.inspect.machine', 'kiosk.*.engine.stats'] },
      subscribe: { allow: [ALL_KIOSK_VIEWS_SUBJECT, 'kiosk.*.inspect', inbox('inspector')] },
      allowResponses: false,
      connectionTypes: ['WEBSOCKET'],
    },
    {
      user: 'dashboard',
      inboxPrefix: inboxPrefixOf('dashboard'),
      // Read-only: every kiosk's view and the registry's page of RA_EVENTS (docs/dashboard.md).
      // No JetStream API: a consumer it made could deliver anywhere, and the API answers on
      // whatever reply subject it is given.
      publish: { allow: [KIOSK_DISCOVER_SUBJECT, registrySubjectFor('dashboardEvents')] },
      subscribe: { allow: [ALL_KIOSK_VIEWS_SUBJECT, inbox('dashboard')] },
      allowResponses: false,
      connectionTypes: ['WEBSOCKET'],
    },
    {
      user: 'browser',
      inboxPrefix: inboxPrefixOf('browser'),
      // The kiosk page: its kiosk's input out, its view in; the demo tray when there is one.
      publish: { allow: [k.input, k.viewGet, ...sim] },
      subscribe: { allow: [k.view, inbox('browser')] },
      allowResponses: false,
      connectionTypes: ['WEBSOCKET'],
    },
  ];
  if (options.observer) {
    users.push({
      user: 'observer',
      inboxPrefix: inboxPrefixOf('observer'),
      // Reads everything (the canary tests look for secrets on every subject and in every stream),
      // changes nothing.
      publish: { allow: ['$JS.API.INFO', '$JS.API.STREAM.LIST', '$JS.API.STREAM.NAMES', '$JS.API.STREAM.INFO.*', '$JS.API.STREAM.MSG.GET.*'] },
      subscribe: { allow: ['>'] },
      allowResponses: false,
      connectionTypes: ['STANDARD'],
    });
  }
  return users;
}
