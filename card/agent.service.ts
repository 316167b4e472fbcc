// The card agent: the only code that touches readers and cards (docs/card-agent.md;
// `kiosk.<kiosk>.card.*` in docs/contract.md, "Subjects"). A NATS service on the kiosk's own server that
//   - publishes reader and card events from the configured readers (PC/SC or simulated),
//   - answers card.status, card.selfcheck (never tries a PIN), card.read and card.set-pin,
//   - and, with the simulated reader only, card.sim.insert / card.sim.remove.
// PKCS#11 runs in a worker thread (token/), errors are mapped once (errors.ts).
import type { NatsConnection } from '@nats-io/nats-core';
import { Svcm, type Service } from '@nats-io/services';
import * as v from 'valibot';
import {
  ContractError,
  kioskSubjects,
  PinGrantReplySchema,
  registrySubjectFor,
  SetPinRequestSchema,
  SimInsertRequestSchema,
  SimRemoveRequestSchema,
  SoLoginFailedReplySchema,
  type CardData,
  type SoLoginFailedRequest,
  type CardStatus,
  type Selfcheck,
  type SetPinReply,
  UnreadRequestSchema,
} from '../machines/contract/index.ts';
import { answerRequest, endpoint, EndpointCounters, type Endpoint, type EndpointRuntime } from '../platform/endpoint.ts';
import { createLogger, type Logger } from '../platform/log.ts';
import { encodeJson, requestJson } from '../platform/nats-json.ts';
import { generateOneTimeKeyPair, pinGrantContext } from '../platform/pin-grant-jwe.ts';
import {
  grantKeyStatement,
  possessionStatement,
  publicKeySha256,
  signWithAgentKey,
  soReportStatement,
} from '../platform/card-proofs.ts';
import { loadOrCreateAgentKey } from './agent-key.ts';
import { openSoLoginReports } from './so-login-reports.ts';
import { pinFlagsError, pinFlagsOf, rawCauseOf, situationError, soPinTroubleOf } from './errors.ts';
import { InsertionCache, type CardReading } from './insertion-cache.ts';
import type { CardReaders, ReaderEvent, ReaderState } from './readers/reader.ts';
import { PcscReaders, type BackoffOptions } from './readers/pcsc.reader.ts';
import { SimulatedReaders } from './readers/sim.reader.ts';
import { certificatePublicKey, chooseCardCertificate, parseCardCertificate } from './token/certificate.ts';
import type { TokenSelector, TokenSummary } from './token/protocol.ts';
import { isSoftHsmModule, useSoftHsmDataDir } from './token/softhsm.ts';
import {
  acquireTokenClient,
  DEFAULT_PKCS11_MODULE,
  releaseTokenClient,
  secretBytes,
  type TokenClient,
} from './token/token.client.ts';

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
}

/** Our extension of `card.status`: whether the reader subsystem itself (pcscd) is reachable. */
export interface CardStatusReply extends CardStatus {
  readerService: { kind: 'sim' | 'pcsc'; ok: boolean; detail: string };
}

const CARD_NUMBER = /^[A-Z0-9]{4,32}$/;

export async function startCardAgent(options: CardAgentOptions): Promise<CardAgent> {
  const { nc, kioskId } = options;
  const subjects = kioskSubjects(kioskId);
  const log: Logger = createLogger('card-agent', options.log);
  const modulePath = options.pkcs11Module ?? DEFAULT_PKCS11_MODULE;
  const registryTimeout = options.registryTimeoutMs ?? 5_000;
  const cardNumberFrom = options.cardNumberFrom ?? 'label';

  // The kiosk's enrolled signing key: the registry grants SO credentials only to what it signed.
  const agentKey = await loadOrCreateAgentKey(options.dataDir, kioskId);
  if (isSoftHsmModule(modulePath)) await useSoftHsmDataDir(options.dataDir);
  const token: TokenClient = acquireTokenClient(modulePath);
  const sim = options.reader === 'sim' ? new SimulatedReaders() : undefined;
  const readers: CardReaders =
    sim ??
    new PcscReaders({
      ...(options.pcscBackoff === undefined ? {} : { backoff: options.pcscBackoff }),
      log: (msg, fields) => log.warn(msg, fields),
    });

  /** Card numbers whose SO login failed since start: never tried again (a wrong SO PIN locks cards). */
  const soLoginFailed = new Set<string>();
  const soLoginReports = await openSoLoginReports({
    dataDir: options.dataDir,
    send: (report) =>
      requestJson(nc, registrySubjectFor('soLoginFailed', kioskId), report, SoLoginFailedReplySchema, { unreachable: '3125', timeout: registryTimeout }),
    log,
  });
  /** One set-pin at a time: each releases a grant and logs in as SO. */
  let setPinQueue: Promise<unknown> = Promise.resolve();

  /**
   * Reader events go out only once the endpoints answer: an engine told `reader.attached` checks
   * the reader at once, and a check that finds nobody answering would put the kiosk out of service.
   */
  let answering = false;
  const publishEvent = (event: ReaderEvent) => {
    nc.publish(subjects.cardEvents, encodeJson(event));
    log.info('card event', { type: event.type, reader: event.reader });
  };
  const unsubscribe = readers.subscribe((event) => {
    if (answering) publishEvent(event);
  });

  function cardInReader(): ReaderState {
    const all = readers.readers();
    if (all.length === 0) throw situationError('no-reader');
    const withCard = all.find((reader) => reader.cardPresent);
    if (withCard === undefined) throw situationError('no-card');
    return withCard;
  }

  function selectorFor(reader: ReaderState): TokenSelector {
    if (reader.token !== undefined) return reader.token;
    if (options.tokenLabel !== undefined) return { by: 'label', label: options.tokenLabel };
    return { by: 'slot-description', text: reader.name };
  }

  function stillInserted(reader: ReaderState): boolean {
    return readers.readers().some((r) => r.name === reader.name && r.cardPresent && r.insertion === reader.insertion);
  }

  function cardNumberOf(summary: TokenSummary): string {
    const value = cardNumberFrom === 'serial' ? summary.serial : summary.label;
    if (!CARD_NUMBER.test(value)) throw situationError('no-card-number');
    return value;
  }

  /** What the card in `reader` says, read through the worker now (no login of any kind). */
  async function readFromCard(reader: ReaderState): Promise<CardReading> {
    const { token: summary, certificates } = await token.call({ op: 'read', token: selectorFor(reader) });
    if (!stillInserted(reader)) throw situationError('no-card');
    const certificate = chooseCardCertificate(certificates);
    const fields = parseCardCertificate(certificate.der, options.cardIssuers);
    const publicKey = certificatePublicKey(certificate.der);
    const card: CardData = {
      cardNumber: cardNumberOf(summary),
      ...fields,
      pinFlags: pinFlagsOf(summary.flags, summary.minPinLength, summary.maxPinLength),
      certificateKeySha256: publicKeySha256(publicKey),
    };
    return { summary, certificate, publicKey, card };
  }

  /** Once per insertion (insertion-cache.ts): later reads of the same insertion cost no worker hop. */
  const readings = new InsertionCache();
  const readingOf = (reader: ReaderState) => readings.readingOf(reader, () => readFromCard(reader));

  async function readCard(): Promise<CardData> {
    const reader = cardInReader();
    const { card } = await readingOf(reader);
    // The card may have gone between the read that filled the cache and now.
    if (!stillInserted(reader)) throw situationError('no-card');
    return card;
  }

  function status(): CardStatusReply {
    const health = readers.health();
    return {
      readers: readers.readers().map((r) => ({ name: r.name, cardPresent: r.cardPresent, ...(r.atr === undefined ? {} : { atr: r.atr }) })),
      readerService: { kind: readers.kind, ...health },
    };
  }

  async function selfcheck(): Promise<Selfcheck> {
    const health = readers.health();
    const all = readers.readers();
    const withCard = all.find((r) => r.cardPresent);
    const checks: Selfcheck['checks'] = [
      health.ok
        ? { id: 'service', ok: true, detail: `card agent up; ${health.detail}` }
        : { id: 'service', ok: false, detail: health.detail, code: 'READER_NOT_FOUND' },
      all.length > 0
        ? { id: 'reader', ok: true, detail: all.map((r) => r.name).join(', ') }
        : { id: 'reader', ok: false, detail: 'no reader attached', code: 'READER_NOT_FOUND' },
      withCard !== undefined
        ? { id: 'card', ok: true, detail: `card in ${withCard.name}` }
        : { id: 'card', ok: false, detail: 'no card in any reader', code: 'CARD_NOT_DETECTED' },
    ];
    if (withCard === undefined) {
      checks.push({ id: 'token', ok: false, detail: 'not checked: no card', code: 'CARD_NOT_DETECTED' });
    } else {
      // Token info and certificate only: no login of any kind, so no PIN counter can move. Read
      // from the card itself, never the cache: the check is that the card answers now.
      try {
        const { card } = await readings.refresh(withCard, () => readFromCard(withCard));
        checks.push({ id: 'token', ok: true, detail: `card ${card.cardNumber} readable` });
      } catch (error) {
        const contract = error instanceof ContractError ? error : situationError('internal-error');
        checks.push({ id: 'token', ok: false, detail: contract.message, code: contract.code });
      }
    }
    return { ok: checks.every((check) => check.ok), checks };
  }

  /**
   * Tells the registry that an SO login failed (or was refused on the token's SO PIN flags), so
   * that no kiosk asks for this card's SO credential again until staff act. The report is kept in
   * DATA_DIR and sent again until the registry confirms it (so-login-reports.ts); meanwhile this
   * agent refuses the card itself until it restarts.
   */
  async function reportSoLoginFailed(activationId: string, cardNumber: string, problem: SoLoginFailedRequest['problem']): Promise<void> {
    soLoginFailed.add(cardNumber);
    await soLoginReports.report({
      activationId,
      cardNumber,
      problem,
      agentKeySignature: signWithAgentKey(agentKey.privateKey, soReportStatement(activationId, kioskId, cardNumber, problem)),
    });
  }

  async function setPin(activationId: string, newPin: string): Promise<SetPinReply> {
    const reader = cardInReader();
    const selector = selectorFor(reader);
    // The certificate and its key from the insertion's reading; the PIN flags from the token now
    // (token info only, no session): a flag a PIN attempt left since insertion still stops us here,
    // before any grant is asked for. The worker checks them once more before the SO login.
    const reading = await readingOf(reader);
    const summary = await token.call({ op: 'info', token: selector });
    const cardNumber = cardNumberOf(summary);
    if (cardNumber !== reading.card.cardNumber) throw situationError('no-card');
    if (soLoginFailed.has(cardNumber)) throw situationError('so-login-failed-before');
    const flagsProblem = pinFlagsError(pinFlagsOf(summary.flags, summary.minPinLength, summary.maxPinLength));
    if (flagsProblem !== undefined) throw flagsProblem;
    const soTrouble = soPinTroubleOf(summary.flags);
    if (soTrouble !== undefined) {
      await reportSoLoginFailed(activationId, cardNumber, soTrouble);
      throw situationError(soTrouble);
    }
    const { certificate, publicKey: cardPublicKey } = reading;
    const pin = secretBytes(newPin);
    let signature: Uint8Array;
    try {
      if (pin.byteLength < summary.minPinLength || pin.byteLength > summary.maxPinLength) {
        throw situationError('new-pin-outside-token-bounds');
      }
      const oneTimeKey = generateOneTimeKeyPair();
      // The registry's per-kiosk subject: NATS permissions, not a body field, say which kiosk asks
      // for the grant (docs/security.md, "PIN grants only to that key"); the agent key's signature says the one-time
      // key is this kiosk's agent's, for this activation.
      const grant = await requestJson(
        nc,
        registrySubjectFor('pinGrant', kioskId),
        {
          activationId,
          cardNumber,
          agentPublicKey: oneTimeKey.publicKey,
          agentKeySignature: signWithAgentKey(agentKey.privateKey, grantKeyStatement(activationId, kioskId, oneTimeKey.publicKey)),
        },
        PinGrantReplySchema,
        { unreachable: '3125', timeout: registryTimeout },
      );
      if (!stillInserted(reader)) throw situationError('card-removed-during-set-pin');
      try {
        ({ signature } = await token.call(
          {
            op: 'set-pin',
            token: selector,
            sealed: grant.sealed,
            oneTimeKey,
            context: pinGrantContext(activationId, cardNumber),
            newPin: pin,
            certificateId: certificate.id,
            possession: new Uint8Array(possessionStatement(activationId, cardNumber, grant.proofNonce)),
          },
          [pin],
        ));
      } catch (error) {
        if (error instanceof ContractError && rawCauseOf(error)?.step === 'so-login') {
          await reportSoLoginFailed(activationId, cardNumber, 'wrong-so-credential');
        }
        if (!stillInserted(reader)) throw situationError('card-removed-during-set-pin');
        throw error;
      }
    } finally {
      // Posted to the worker, the buffer is detached (length 0) and the worker zeroes its copy.
      if (pin.byteLength > 0) pin.fill(0);
    }
    // The PIN is set on the card from here on, removed or not. The engine tells the registry
    // (`complete`, retried until it answers): the card's signature over the registry's nonce
    // proves it is the registered card (docs/card-agent.md).
    log.info('card PIN set', { cardNumber });
    return {
      ok: true,
      at: new Date().toISOString(),
      proof: { publicKey: Buffer.from(cardPublicKey).toString('base64url'), signature: Buffer.from(signature).toString('base64url') },
    };
  }

  const runtime: EndpointRuntime = {
    log,
    counters: new EndpointCounters(),
    logEveryRequest: false,
    badRequest: (_name, problems) => new ContractError('BAD_REQUEST', `invalid request: ${problems.join('; ')}`),
    unexpected: () => situationError('internal-error'),
    failureFields: (failure) => {
      const cause = failure instanceof ContractError ? rawCauseOf(failure) : undefined;
      return { code: failure.code, ...(cause === undefined ? {} : { cause }) };
    },
  };

  await readers.start();
  const service: Service = await new Svcm(nc).add({
    name: 'card-agent',
    version: '1.0.0',
    description: 'Readers (PC/SC) and card tokens (PKCS#11) of one kiosk',
    metadata: { kiosk: kioskId, reader: readers.kind },
  });
  const serve = <S extends v.GenericSchema>(subject: string, answered: Endpoint<S>) =>
    service.addEndpoint(answered.name, {
      subject,
      handler: (error, msg) => {
        if (error !== null) {
          log.error('endpoint stopped', { endpoint: answered.name, error });
          return;
        }
        void answerRequest(runtime, answered, msg);
      },
    });

  serve(subjects.cardStatus, endpoint('status', UnreadRequestSchema, () => status()));
  serve(subjects.cardSelfcheck, endpoint('selfcheck', UnreadRequestSchema, () => selfcheck()));
  serve(subjects.cardRead, endpoint('read', UnreadRequestSchema, () => readCard()));
  serve(
    subjects.cardSetPin,
    endpoint('set-pin', SetPinRequestSchema, (request) => {
      // A set-pin, done or not, changes the card's PIN flags: the next read goes to the card.
      const run = setPinQueue.then(() => setPin(request.activationId, request.newPin)).finally(() => readings.forget());
      setPinQueue = run.catch(() => undefined);
      return run;
    }),
  );
  if (sim !== undefined) {
    serve(
      subjects.cardSimInsert,
      endpoint('sim-insert', SimInsertRequestSchema, (request) => {
        sim.insert(request.cardNumber);
        return { ok: true };
      }),
    );
    serve(subjects.cardSimRemove, endpoint('sim-remove', SimRemoveRequestSchema, () => ({ ok: sim.remove() })));
  }
  // The endpoints must reach the server before anyone is told the agent is up.
  await nc.flush();
  answering = true;
  announceReaders();
  const stopAnnouncingOnReconnect = announceOnReconnect();
  // The public key is no secret: an operator enrolls it (`npm run cards -- enroll-agent`).
  log.info('card agent started', { kioskId, reader: readers.kind, module: modulePath, agentPublicKey: agentKey.publicKey });

  /**
   * The agent announces itself (docs/card-agent.md, "Subjects"): `reader.attached` for every reader it has,
   * when it starts answering and again after each reconnect to NATS. An engine that checked while
   * the agent was not there checks again at once instead of waiting out its retry timer; one that
   * is already in service ignores it.
   */
  function announceReaders(): void {
    const at = new Date().toISOString();
    for (const reader of readers.readers()) publishEvent({ type: 'reader.attached', reader: reader.name, at });
  }

  function announceOnReconnect(): () => void {
    let stopped = false;
    void (async () => {
      for await (const status of nc.status()) {
        if (stopped) return;
        if (status.type === 'reconnect') announceReaders();
      }
    })().catch(() => undefined);
    return () => {
      stopped = true;
    };
  }

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        stopAnnouncingOnReconnect();
        await service.stop();
        await setPinQueue;
        soLoginReports.stop();
        await readers.stop();
        unsubscribe();
        await releaseTokenClient(token);
        log.info('card agent stopped', { kioskId });
      })();
      return stopping;
    },
  };
}
