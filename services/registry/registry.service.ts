// The registry: the CA side of activation (docs/registry.md, docs/contract.md "Subjects"). A NATS micro-service in the queue
// group `registry`, so any number of instances answer side by side; all state is in JetStream KV,
// changed only by compare-and-set, and every change is one RA_EVENTS event.
//
// Each activation endpoint answers on its contract subject and on `<subject>.<kiosk>`: there the
// kiosk id comes from the subject (which NATS permissions tie to the kiosk), a body kioskId must
// equal it, and an activation may only be used by the kiosk that verified it.
import type { Msg } from '@nats-io/nats-core';
import type * as v from 'valibot';
import {
  AcceptRequestSchema,
  AdminEnrollAgentRequestSchema,
  AdminImportRequestSchema,
  CompleteRequestSchema,
  ContractError,
  JETSTREAM,
  IdentifyRequestSchema,
  isKioskId,
  PinGrantRequestSchema,
  REGISTRY_SUBJECTS,
  SoLoginFailedRequestSchema,
  VerifyRequestSchema,
  type RegistryEndpoint,
} from '../../machines/contract/index.ts';
import { describeError, endpoint, type RequestNotes } from '../../platform/endpoint.ts';
import { createLogger, type Logger, type LogSink } from '../../platform/log.ts';
import { PartRuntime, type NatsConnection } from '../../platform/nats-runtime.ts';
import { CardView } from './card-view.ts';
import { migrateCardBucket } from './card-migration.ts';
import { CardStream } from './card-stream.ts';
import { DEFAULT_KIOSK_RATE_LIMIT, KioskLimiter, type KioskRateLimit } from './kiosk-rate-limit.ts';
import type { CryptoKey } from 'jose';
import { loadStaffTokenKeys } from '../staff-auth/staff-token.ts';
import { AdminListRequestSchema } from '../../machines/contract/card-import.ts';
import { DashboardEventsRequestSchema } from '../../machines/contract/registry.ts';
import { dashboardEvents } from './dashboard-feed.ts';
import { StaffCheckRequestSchema, StaffError, StaffRequestSchema, StaffReturnRequestSchema } from '../../machines/contract/staff.ts';
import { StaffDirectory } from '../staff-auth/staff-directory.ts';
import { signingKeyFromSeed } from './audit-chain.ts';
import { AuditTrail, DEFAULT_CHECKPOINT_INTERVAL_MS, ensureStaffAuditStream, STAFF_AUDIT_STREAM, streamFill } from './staff-audit.ts';
import { authenticateStaff, RefusalCounter, staffEndpoint, UNAUTHENTICATED } from './staff-endpoints.ts';
import { ActivationOperations } from './activation-operations.ts';
import { CardLedger, type RequestContext } from './card-ledger.ts';
import { OfficeOperations } from './office-operations.ts';
import { loadRegistryKey, PRODUCTION_SCRYPT_COST, RegistrySecrets, type ScryptCost } from './registry-secrets.ts';
import { compareAndSet, KEY_CHECK_KEY, openRegistryStore, type RegistryStore } from './registry-store.ts';

export const REGISTRY_VERSION = '1.0.0';
/** The queue group every instance joins. */
export const REGISTRY_QUEUE = 'registry';
export const DEFAULT_ACTIVATION_TTL_MS = 15 * 60_000;
/** PIN grants per activation: a card agent that fails to set the PIN may ask again, a few times. */
export const DEFAULT_MAX_GRANTS = 3;

export interface RegistryOptions {
  nc: NatsConnection;
  /** Where `registry.key` lives when neither `secretKey` nor REGISTRY_KEY gives the key. */
  dataDir: string;
  /** The 32-byte registry key; else REGISTRY_KEY (hex), else `<dataDir>/registry.key` (0600, made on first start). */
  secretKey?: Buffer;
  /** Where the registry's log lines go (platform/log.ts): one per request (endpoint, card, kiosk, outcome, ms); never a secret. */
  log?: LogSink;
  now?: () => Date;
  activationTtlMs?: number;
  /** scrypt cost for new user-code hashes; tests lower it, production keeps the default. */
  scryptCost?: ScryptCost;
  maxGrantsPerActivation?: number;
  kioskRateLimit?: KioskRateLimit;
  /**
   * JetStream replicas of the registry's stream and buckets when this instance creates them: 1 on
   * the embedded single server, 3 on the production hub cluster (`REGISTRY_REPLICAS`).
   */
  replicas?: number;
  /** The staff-auth service's public key; else read (or made) from `<dataDir>/staff-token.jwk`. */
  staffTokenKey?: CryptoKey;
  /** Staff unlocks per card within a rolling day (default 3). */
  unlocksPerCardPerDay?: number;
  /** Audit entries between signed checkpoints (default 100); a checkpoint also comes every 5 minutes. */
  auditCheckpointEvery?: number;
}

/** A stream this full gets a warning line each check: long before new messages are refused. */
const STREAM_FILL_WARNING = 0.8;
const STREAM_FILL_CHECK_MS = 60_000;

export interface RunningRegistry {
  /** The service instance id (as in `$SRV.INFO`). */
  readonly id: string;
  /** Stops answering, then waits for the requests in flight. The connection is the caller's. */
  stop(): Promise<void>;
  /** Settles when the service ended itself (a subscription refused): the process should exit. */
  readonly failed: Promise<Error>;
}

type Handler<S extends v.GenericSchema> = (request: v.InferOutput<S>, context: RequestContext) => Promise<unknown>;

/** A request as a registry handler sees it: the kiosk of its subject, and notes for its log line (methods, nothing made per request but this object). */
class RegistryRequest implements RequestContext {
  constructor(
    readonly kiosk: string | undefined,
    private readonly notes: RequestNotes,
  ) {}

  card(cardNumber: string): void {
    this.notes.note('card', cardNumber);
  }

  note(field: string, value: string | number): void {
    this.notes.note(field, value);
  }
}

/** An endpoint's name in `$SRV.INFO`: its subject's last word (unique among the registry's). */
function serviceNameOf(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}

export async function startRegistry(options: RegistryOptions): Promise<RunningRegistry> {
  const clock = options.now ?? (() => new Date());
  const log = createLogger('registry', options.log ?? (() => undefined));
  const ttlMs = options.activationTtlMs ?? DEFAULT_ACTIVATION_TTL_MS;
  const scryptCost = options.scryptCost ?? PRODUCTION_SCRYPT_COST;
  const maxGrants = options.maxGrantsPerActivation ?? DEFAULT_MAX_GRANTS;
  // Activation records age out of their bucket after 7 days; an activation must end long before.
  if (!(ttlMs > 0 && ttlMs <= 24 * 3_600_000)) throw new Error('activationTtlMs must be between 1 ms and 24 h');
  if (!(Number.isInteger(maxGrants) && maxGrants >= 1)) throw new Error('maxGrantsPerActivation must be a positive integer');
  const secrets = new RegistrySecrets(await loadRegistryKey(options));
  const replicas = options.replicas ?? 1;
  if (!(Number.isInteger(replicas) && replicas >= 1 && replicas <= 5)) throw new Error('replicas must be an integer from 1 to 5');
  const store = await openRegistryStore(options.nc, replicas);
  let view: CardView;
  try {
    await checkRegistryKey(store, secrets);
    // A site from before one-write changes: its cards move to their change subjects first.
    const migrated = await migrateCardBucket(store, new CardStream(store.jsm, store.publisher, secrets), clock());
    if (migrated.moved > 0) log.info('cards moved from the ra_cards bucket', { moved: migrated.moved, repaired: migrated.repaired });
    view = await CardView.follow(options.nc, store.js, {
      stopped: (error) => log.error('card view stopped: reading the stream for every request', { view: 'stopped', error: describeError(error) }),
      loadFailed: (error) => log.warn('card view not loaded: each card is read once when first asked for', { view: 'cold', error: describeError(error) }),
    });
  } catch (error) {
    store.close();
    throw error;
  }
  const staffTokenKey = options.staffTokenKey ?? (await loadStaffTokenKeys(options.dataDir)).publicKey;
  await ensureStaffAuditStream(store.jsm, replicas);
  const audit = new AuditTrail({
    js: store.js,
    jsm: store.jsm,
    signingKey: signingKeyFromSeed(secrets.auditSigningSeed()),
    clock,
    log,
    ...(options.auditCheckpointEvery === undefined ? {} : { checkpointEvery: options.auditCheckpointEvery }),
  });
  const limiter = new KioskLimiter(store.kioskLimits, store.publisher, options.kioskRateLimit ?? DEFAULT_KIOSK_RATE_LIMIT);
  const ledger = new CardLedger(store, view, clock, secrets);
  const activation = new ActivationOperations(ledger, { secrets, limiter, ttlMs, scryptCost, maxGrants });
  const office = new OfficeOperations(ledger, { secrets, scryptCost, unlocksPerCardPerDay: options.unlocksPerCardPerDay });

  const part = await PartRuntime.open({
    nc: options.nc,
    log,
    answering: {
      logEveryRequest: true,
      // identify is a read the kiosk makes on every card insertion: counted, logged when it fails.
      quietOnSuccess: new Set(['identify']),
      badRequest: (name, problems) => new ContractError('BAD_REQUEST', `invalid ${name} request: ${problems.join('; ')}`),
      unexpected: () => new ContractError('3125', 'the registry could not complete the request: try again'),
      // Counted and summarised by the staff gate's RefusalCounter, not one line each.
      quiet: (failure) => failure instanceof StaffError && UNAUTHENTICATED.has(failure.code),
    },
    service: {
      name: 'registry',
      version: REGISTRY_VERSION,
      description: 'MOEACA card activation registry: identify, verify, accept, PIN grant, complete; staff and admin',
      queue: REGISTRY_QUEUE,
    },
  }).catch(async (error: unknown) => {
    await view.close();
    store.close();
    throw error;
  });

  /** Serves one registry endpoint on its contract subject, or (perKiosk) on `<subject>.<kiosk>`. */
  function serve<S extends v.GenericSchema>(name: RegistryEndpoint, schema: S, handle: Handler<S>, perKiosk: boolean): void {
    const subject = REGISTRY_SUBJECTS[name];
    const kioskOf = (msg: Msg) => msg.subject.slice(subject.length + 1);
    const answered = endpoint(name, schema, (request, notes, msg) => {
      const kiosk = perKiosk ? kioskOf(msg) : undefined;
      if (kiosk !== undefined && !isKioskId(kiosk)) throw new ContractError('BAD_REQUEST', 'the subject does not end in a kiosk id');
      return handle(request, new RegistryRequest(kiosk, notes));
    });
    if (perKiosk) {
      part.serve(`${subject}.*`, answered, { serviceName: `${serviceNameOf(subject)}-kiosk`, fields: (msg) => ({ kiosk: kioskOf(msg) }) });
    } else {
      part.serve(subject, answered, { serviceName: serviceNameOf(subject) });
    }
  }

  for (const perKiosk of [false, true]) {
    serve('identify', IdentifyRequestSchema, (request, context) => activation.identify(request, context), perKiosk);
    serve('verify', VerifyRequestSchema, (request, context) => activation.verify(request, context), perKiosk);
    serve('accept', AcceptRequestSchema, (request, context) => activation.accept(request, context), perKiosk);
    serve('pinGrant', PinGrantRequestSchema, (request, context) => activation.pinGrant(request, context), perKiosk);
    serve('complete', CompleteRequestSchema, (request, context) => activation.complete(request, context), perKiosk);
    serve('soLoginFailed', SoLoginFailedRequestSchema, (request, context) => activation.soLoginFailed(request, context), perKiosk);
  }
  const gate = { publicKey: staffTokenKey, directory: new StaffDirectory(options.nc), audit, clock, refusals: new RefusalCounter(log) };
  serve('staffUnlock', StaffRequestSchema, staffEndpoint(gate, 'unlock', (request, staffId, context) => office.unlock(request, staffId, context), log), false);
  serve('staffReturn', StaffReturnRequestSchema, staffEndpoint(gate, 'return', (request, staffId, context) => office.giveBack(request, staffId, context), log), false);
  serve('staffCard', StaffRequestSchema, staffEndpoint(gate, 'card', (request, staffId, context) => office.card(request, staffId, context), log), false);
  // A kiosk's engine checks a staff event's token here: revocations live on the hub.
  for (const perKiosk of [false, true]) {
    serve('staffCheck', StaffCheckRequestSchema, async (request, context) => {
      const staff = await authenticateStaff(gate, request.token);
      context.note('staff', staff.staffId);
      return { staffId: staff.staffId };
    }, perKiosk);
  }
  serve('dashboardEvents', DashboardEventsRequestSchema, (request) => dashboardEvents(store.js, store.jsm, request), false);
  serve('adminImport', AdminImportRequestSchema, (request, context) => office.import(request, context), false);
  serve('adminList', AdminListRequestSchema, (request) => office.list(request), false);
  serve('adminEnrollAgent', AdminEnrollAgentRequestSchema, (request, context) => office.enrollAgent(request, context), false);

  const checkpoints = setInterval(() => {
    audit.checkpointIfDue().catch((error: unknown) => log.error('audit checkpoint not written', { error: describeError(error) }));
  }, DEFAULT_CHECKPOINT_INTERVAL_MS).unref();
  const fillCheck = setInterval(() => void warnWhenFilling(store, log), STREAM_FILL_CHECK_MS).unref();
  void warnWhenFilling(store, log);

  // Ready means the server has our subscriptions: a request sent the moment we return finds us.
  await part.ready();
  const id = part.serviceId ?? '';
  log.info('started', { id, started: true, queue: REGISTRY_QUEUE });
  return {
    id,
    failed: part.failed,
    async stop() {
      clearInterval(checkpoints);
      clearInterval(fillCheck);
      await part.stop();
      await view.close();
      store.close();
    },
  };
}

/**
 * A warning line per evidence stream that is past STREAM_FILL_WARNING of its `max_bytes`, or that
 * lacks its protection (made before the registry set it: no login may change a stream, so an
 * operator adds it offline, docs/security.md).
 */
async function warnWhenFilling(store: RegistryStore, log: Logger): Promise<void> {
  for (const stream of [STAFF_AUDIT_STREAM, JETSTREAM.registryEventsStream]) {
    const config = await store.jsm.streams.info(stream).then((info) => info.config, () => undefined);
    if (config !== undefined && !(config.deny_delete && config.deny_purge && config.max_bytes > 0)) {
      log.warn('stream unprotected: an operator must add deny_delete, deny_purge and max_bytes offline', { stream });
    }
    const fill = await streamFill(store.jsm, stream).catch(() => undefined);
    if (fill !== undefined && fill.fraction >= STREAM_FILL_WARNING) {
      log.warn('stream filling up: an operator must archive and enlarge it before new messages are refused', {
        stream,
        percent: Math.round(fill.fraction * 100),
        bytes: fill.bytes,
        maxBytes: fill.maxBytes,
      });
    }
  }
}

/** Refuses to start with a key other than the one the stored records were written with. */
async function checkRegistryKey(store: RegistryStore, secrets: RegistrySecrets): Promise<void> {
  const check = secrets.keyCheck();
  const { result } = await compareAndSet<{ check: string }, string>(store.cards, KEY_CHECK_KEY, (current) =>
    current === null ? { write: { check }, result: check } : { result: current.value.check },
  );
  if (result !== check) {
    throw new Error('the registry key differs from the key the stored records were written with (check REGISTRY_KEY / registry.key)');
  }
}

