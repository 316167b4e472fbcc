// The production NATS topology as code, part 2: the site (hub nodes, kiosks, staff desks) and
// where each server listens; the site file is checked here before any config is rendered
// (docs/deployment.md). nats-rules.ts has the users, nats-config.ts renders the configs.
import { assertKiosk } from './nats-rules.ts';

export interface HubNode {
  name: string;
  /** How kiosks and the other hub nodes reach this node. */
  host: string;
  /** Ports of this node where they differ from the others' (several nodes on one host, as in a rehearsal). */
  clusterPort?: number;
  leafPort?: number;
}

export const clusterPortOf = (node: HubNode, listen: HubListen) => node.clusterPort ?? listen.clusterPort;
export const leafPortOf = (node: HubNode, listen: HubListen) => node.leafPort ?? listen.leafPort;

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
