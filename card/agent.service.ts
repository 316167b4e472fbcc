// The card agent: the only code that touches readers and cards (docs/card-agent.md;
// `kiosk.<kiosk>.card.*` in docs/contract.md, "Subjects"). The `card-agent` NATS service on the
// kiosk's own server (platform/nats-runtime.ts), wired here from its pieces: card-reader-view.ts
// (card.status, card.read), self-check.ts (card.selfcheck, never tries a PIN), pin-setter.ts
// (card.set-pin), reader-announcer.ts (card.events) and, with the simulated reader only,
// card.sim.insert / card.sim.remove. PKCS#11 runs in a worker thread (token/), errors are mapped
// once (errors.ts).
import type { NatsConnection } from '@nats-io/nats-core';
import {
  kioskSubjects,
  PinGrantReplySchema,
  registrySubjectFor,
  SetPinRequestSchema,
  SimInsertRequestSchema,
  SimRemoveRequestSchema,
  SoLoginFailedReplySchema,
  UnreadRequestSchema,
} from '../machines/contract/index.ts';
import { endpoint } from '../platform/endpoint.ts';
import { createLogger } from '../platform/log.ts';
import { encodeJson, requestJson } from '../platform/nats-json.ts';
import { PartRuntime } from '../platform/nats-runtime.ts';
import { loadOrCreateAgentKey } from './agent-key.ts';
import { cardAgentAnswering } from './answering.ts';
import { CardReaderView } from './card-reader-view.ts';
import { PinSetter } from './pin-setter.ts';
import { ReaderAnnouncer } from './reader-announcer.ts';
import type { CardReaders } from './readers/reader.ts';
import { PcscReaders, type BackoffOptions } from './readers/pcsc.reader.ts';
import { SimulatedReaders } from './readers/sim.reader.ts';
import { selfCheck } from './self-check.ts';
import { openSoLoginReports } from './so-login-reports.ts';
import { isSoftHsmModule, useSoftHsmDataDir } from './token/softhsm.ts';
import { acquireTokenClient, DEFAULT_PKCS11_MODULE, releaseTokenClient } from './token/token.client.ts';

export type { CardStatusReply } from './card-reader-view.ts';

export interface CardAgentOptions {
  nc: NatsConnection;
  kioskId: string;
  dataDir: string;
  reader: 'sim' | 'pcsc';
  /** The PKCS#11 module; default SoftHSM2 (demo and tests), the card vendor's module for real cards. */
  pkcs11Module?: string;
  /** How long to wait for the registry (pin-grant, SO-login report) before answering 3125. */
  registryTimeoutMs?: number;
  /** One JSON line per record (default: stdout). */
  log?: (line: string) => void;
  /**
   * PC/SC with SoftHSM2 (tests): the label of the token that stands for the card in a reader.
   * Unset with PC/SC, the token is the one whose slot description names the reader (vendor modules).
   */
  tokenLabel?: string;
  /** Where a token carries its card number: `label` (the demo tokens; default) or `serial`. */
  cardNumberFrom?: 'label' | 'serial';
  /** The issuing CAs (issuer O or CN) of business certificates; a card certified by another is NOT_BUSINESS_CARD. Unset: any. */
  cardIssuers?: readonly string[];
  /** Reconnect back-off for PC/SC. */
  pcscBackoff?: BackoffOptions;
}

export interface CardAgent {
  stop(): Promise<void>;
  /** Settles when the agent's service ended itself (a subscription refused): the process should exit. */
  readonly failed: Promise<Error>;
}

export async function startCardAgent(options: CardAgentOptions): Promise<CardAgent> {
  const { nc, kioskId } = options;
  const subjects = kioskSubjects(kioskId);
  const log = createLogger('card-agent', options.log);
  const modulePath = options.pkcs11Module ?? DEFAULT_PKCS11_MODULE;
  const registry = { unreachable: '3125', timeout: options.registryTimeoutMs ?? 5_000 } as const;

  const agentKey = await loadOrCreateAgentKey(options.dataDir, kioskId);
  if (isSoftHsmModule(modulePath)) await useSoftHsmDataDir(options.dataDir);
  const token = acquireTokenClient(modulePath);
  const sim = options.reader === 'sim' ? new SimulatedReaders() : undefined;
  const readers: CardReaders =
    sim ??
    new PcscReaders({
      ...(options.pcscBackoff === undefined ? {} : { backoff: options.pcscBackoff }),
      log: (msg, fields) => log.warn(msg, fields),
    });
  const announcer = new ReaderAnnouncer({ readers, publish: (event) => nc.publish(subjects.cardEvents, encodeJson(event)), log });
  const soLoginReports = await openSoLoginReports({
    dataDir: options.dataDir,
    send: (report) => requestJson(nc, registrySubjectFor('soLoginFailed', kioskId), report, SoLoginFailedReplySchema, registry),
    log,
  });
  const view = new CardReaderView({ readers, token, tokenLabel: options.tokenLabel, cardNumberFrom: options.cardNumberFrom, cardIssuers: options.cardIssuers });
  const pinSetter = new PinSetter({
    kioskId,
    view,
    token,
    agentKey: agentKey.privateKey,
    requestGrant: (request) => requestJson(nc, registrySubjectFor('pinGrant', kioskId), request, PinGrantReplySchema, registry),
    soLoginReports,
    log,
  });

  await readers.start();
  const part = await PartRuntime.open({
    nc,
    log,
    answering: cardAgentAnswering,
    service: {
      name: 'card-agent',
      version: '1.0.0',
      description: 'Readers (PC/SC) and card tokens (PKCS#11) of one kiosk',
      metadata: { kiosk: kioskId, reader: readers.kind },
    },
  });
  part.serve(subjects.cardStatus, endpoint('status', UnreadRequestSchema, () => view.status()));
  part.serve(subjects.cardSelfcheck, endpoint('selfcheck', UnreadRequestSchema, () => selfCheck(readers, (reader) => view.readAfresh(reader))));
  part.serve(subjects.cardRead, endpoint('read', UnreadRequestSchema, () => view.readCard()));
  part.serve(subjects.cardSetPin, endpoint('set-pin', SetPinRequestSchema, (request) => pinSetter.setPin(request.activationId, request.newPin)));
  if (sim !== undefined) {
    part.serve(
      subjects.cardSimInsert,
      endpoint('sim-insert', SimInsertRequestSchema, (request) => {
        sim.insert(request.cardNumber);
        return { ok: true };
      }),
    );
    part.serve(subjects.cardSimRemove, endpoint('sim-remove', SimRemoveRequestSchema, () => ({ ok: sim.remove() })));
  }
  // The endpoints must reach the server before anyone is told the agent is up.
  await part.ready();
  announcer.start();
  part.onReconnect(() => announcer.announce());
  // The public key is no secret: an operator enrolls it (`npm run cards -- enroll-agent`).
  log.info('card agent started', { kioskId, reader: readers.kind, module: modulePath, agentPublicKey: agentKey.publicKey });

  let stopping: Promise<void> | undefined;
  return {
    failed: part.failed,
    stop() {
      stopping ??= (async () => {
        await part.stop();
        await pinSetter.idle();
        soLoginReports.stop();
        // Still announcing: the readers' last events (card removed, reader detached) go out.
        await readers.stop();
        announcer.stop();
        await releaseTokenClient(token);
        log.info('card agent stopped', { kioskId });
      })();
      return stopping;
    },
  };
}
