// The fault matrix (docs/reliability.md): every step of both activation paths × every fault, run
// through the real stack of tests/support/fault-stack.ts. A step is named by what the test can see
// from outside — the request subject that carries it, or the screen that asks for it — never by
// the machine's internals, so a row keeps its meaning when the code behind the step moves (the
// `complete` row traps `ra.activation.complete.<kiosk>` whoever sends it).
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { JETSTREAM, type CardImportRecord, type View } from '../../machines/contract/index.ts';
import { readAll } from '../../services/registry/registry-store.ts';
import type { FaultStack, Fate, HeldRequest } from '../support/fault-stack.ts';
import { checkTokenElsewhere } from '../support/softhsm.ts';

export type Path = 'A' | 'B';

export interface Step {
  id: string;
  label: string;
  paths: Path[];
  /** Held at this request (subject of kiosk `k`), or injected while this screen waits for the user. */
  at: { request: (kioskId: string) => string } | { screen: View['screen'] };
}

export const STEPS: Step[] = [
  { id: 'read', label: 'card read', paths: ['A', 'B'], at: { request: (k) => `kiosk.${k}.card.read` } },
  { id: 'identify', label: 'identify', paths: ['A', 'B'], at: { request: (k) => `ra.activation.identify.${k}` } },
  { id: 'verify', label: 'verify', paths: ['A', 'B'], at: { request: (k) => `ra.activation.verify.${k}` } },
  { id: 'confirm', label: 'confirm card data', paths: ['A', 'B'], at: { screen: 'confirmCardData' } },
  { id: 'contact', label: 'contact (e-mail, new user code)', paths: ['B'], at: { screen: 'enterContact' } },
  { id: 'accept', label: 'accept', paths: ['A', 'B'], at: { request: (k) => `ra.activation.accept.${k}` } },
  { id: 'grant', label: 'PIN grant', paths: ['A', 'B'], at: { request: (k) => `ra.activation.pin-grant.${k}` } },
  { id: 'setpin', label: 'C_InitPIN (set-pin)', paths: ['A', 'B'], at: { request: (k) => `kiosk.${k}.card.set-pin` } },
  { id: 'complete', label: 'complete', paths: ['A', 'B'], at: { request: (k) => `ra.activation.complete.${k}` } },
];

export interface Fault {
  id: string;
  label: string;
}

export const FAULTS: Fault[] = [
  { id: 'registry-killed', label: 'a registry instance SIGKILLed (the request it held is lost with it; the other serves on)' },
  { id: 'nats-restarted', label: 'nats-server SIGKILLed and started again (same port and store; in-flight messages lost)' },
  { id: 'engine-killed', label: 'engine SIGKILLed (its request still arrives) and started again' },
  { id: 'card-pulled', label: 'card pulled out (the user puts it back when asked)' },
  { id: 'agent-restarted', label: 'card agent SIGKILLed and started again — the simulated reader\'s stand-in for "pcscd restarted"; the sim reader comes back empty, so the test puts the card back as a real reader would still hold it' },
  { id: 'reply-lost', label: 'the reply lost after the other side acted' },
];

export interface Cell {
  step: Step;
  fault: Fault;
  path: Path;
}

/** Every (step, fault, path) there is; `subset` picks one fault per step and path, rotating. */
export function cells(size: 'full' | 'ci'): Cell[] {
  const all: Cell[] = [];
  STEPS.forEach((step, stepIndex) => {
    for (const path of step.paths) {
      const faults = FAULTS.filter((fault) => !(fault.id === 'reply-lost' && 'screen' in step.at));
      if (size === 'full') {
        for (const fault of faults) all.push({ step, fault, path });
      } else if (path === step.paths[0]) {
        // One fault per step, rotating so that every fault is tried somewhere; the complete step
        // always with its reply lost, the case the activation's last step must survive.
        const fault = step.id === 'complete' ? FAULTS.find((f) => f.id === 'reply-lost')! : faults[stepIndex % faults.length]!;
        all.push({ step, fault, path });
      }
    }
  });
  return all;
}

export interface Outcome {
  cell: Cell;
  cardNumber: string;
  /** Screens from the fault on (with error codes), and what the user did, in order. */
  seen: string[];
  final: string;
  records: string;
  problems: string[];
  /** A failure that is the known bug of the activation's last step (docs/reliability.md). */
}

export interface CardSecrets {
  userCode: string;
  responsibleId: string;
  birthDate: string;
  pin: string;
  newUserCode: string;
}

export const SECRETS: CardSecrets = { userCode: 'Fm$code42', responsibleId: 'A123456789', birthDate: '1980-05-17', pin: 'Fp!4821x', newUserCode: 'Nw#code77' };

export function cardFor(cardNumber: string, path: Path): CardImportRecord {
  const common = {
    cardNumber,
    holderName: '故障測試公司',
    ubn: '97969933',
    email: 'faults@example.com.tw',
    validFrom: '2026-01-01T00:00:00Z',
    validTo: '2031-01-01T00:00:00Z',
    status: 'issued',
  };
  return (path === 'A'
    ? { ...common, route: 'self-applied', userCode: SECRETS.userCode }
    : { ...common, route: 'registration-bundled', responsibleId: SECRETS.responsibleId, birthDate: SECRETS.birthDate }) as CardImportRecord;
}

const describeView = (view: View) => (view.error ? `${view.screen} ${view.error.code}` : view.screen);

/** Injects the fault; for a held request, says what becomes of it. */
async function inject(stack: FaultStack, fault: Fault, cardNumber: string, held: HeldRequest | undefined): Promise<Fate> {
  const heldAtAgent = held !== undefined && held.subject.startsWith('kiosk.');
  switch (fault.id) {
    case 'registry-killed': {
      await stack.registries[0]!.kill();
      // Restarted at once, as its service manager would; the lost request stays lost.
      await stack.registries[0]!.start();
      return held !== undefined && !heldAtAgent ? 'drop' : 'forward';
    }
    case 'nats-restarted':
      await stack.nats.kill();
      await stack.nats.start();
      return 'drop';
    case 'engine-killed':
      await stack.engine.kill();
      await stack.engine.start();
      return 'forward';
    case 'card-pulled':
      await stack.remove();
      return 'forward';
    case 'agent-restarted':
      await stack.agent.kill();
      await stack.agent.start();
      await stack.insert(cardNumber);
      // A request to the agent died with it; one the agent had sent is already on its way.
      return heldAtAgent ? 'drop' : 'forward';
    case 'reply-lost':
      return 'drop-reply';
    default:
      throw new Error(`unknown fault ${fault.id}`);
  }
}

/** Between rows: the card out and the kiosk back on its idle screen, whatever the row before left. */
export async function settleIdle(stack: FaultStack): Promise<void> {
  await stack.remove();
  if (stack.views.at(-1)?.screen === 'insertCard') return;
  const idle = await stack.nextView(Math.max(0, stack.views.length - 1), (view) => view.screen === 'insertCard');
  if (idle === undefined) throw new Error(`the kiosk did not come back to insertCard; last view ${JSON.stringify(stack.views.at(-1))}`);
}

/**
 * Plays the user through the whole activation, the fault injected at the cell's step. The user
 * does what each screen asks; on a failure whose remedy is to try again they try again (a few
 * times); on a staff-only code they stop.
 */
export async function runCell(stack: FaultStack, cell: Cell, cardNumber: string): Promise<Outcome> {
  await stack.provision([cardFor(cardNumber, cell.path)]);
  const seen: string[] = [];
  let faultAt: number | undefined;
  let injecting: Promise<void> | undefined;
  const { at } = cell.step;
  if ('request' in at) {
    const subject = at.request(stack.kioskId);
    injecting = stack.bridge.hold((s) => s === subject).then(async (held) => {
      faultAt = stack.views.length;
      seen.push(`⚡ at ${stack.views.at(-1) ? describeView(stack.views.at(-1)!) : '?'}`);
      held.release(await inject(stack, cell.fault, cardNumber, held));
    });
  }

  await settleIdle(stack);
  const start = stack.views.length;
  await stack.insert(cardNumber);
  let index = start;
  let retries = 0;
  let reinserts = 0;
  let restarts = 0;
  let final = 'stuck';
  const act = (what: string) => {
    if (faultAt !== undefined) seen.push(`(${what})`);
  };
  // A guard, not a measurement: a row whose session never settles ends as "stuck".
  const giveUpAt = Date.now() + 150_000;
  for (let actions = 0; actions < 30; actions++) {
    const next = await stack.nextView(index, (view) => !view.busy && view.screen !== 'readingCard', Math.max(1, giveUpAt - Date.now()));
    if (next === undefined) break;
    if (faultAt !== undefined) {
      for (let i = Math.max(index, faultAt); i <= next; i++) {
        const text = describeView(stack.views[i]!);
        if (seen.at(-1) !== text) seen.push(text);
      }
    }
    index = next + 1;
    const view = stack.views[next]!;
    if ('screen' in at && view.screen === at.screen && faultAt === undefined) {
      faultAt = next + 1;
      seen.push(`⚡ at ${view.screen}`);
      await inject(stack, cell.fault, cardNumber, undefined);
    }
    const code = view.error?.code;
    switch (view.screen) {
      case 'activated':
        final = 'activated';
        break;
      case 'choosePath':
        stack.send({ type: 'user.choosePath', path: cell.path === 'A' ? 'self-applied' : 'registration-bundled' });
        act('choose path');
        continue;
      case 'enterUserCode':
        stack.send({ type: 'user.submitUserCode', userCode: SECRETS.userCode });
        act('user code');
        continue;
      case 'enterResponsibleId':
        stack.send({ type: 'user.submitResponsibleId', responsibleId: SECRETS.responsibleId, birthDate: SECRETS.birthDate });
        act('ID, birth date');
        continue;
      case 'confirmCardData':
        stack.send({ type: 'user.confirmCardData' });
        act('confirm');
        continue;
      case 'enterContact':
        stack.send({ type: 'user.submitContact', email: 'new-faults@example.com.tw', userCode: SECRETS.newUserCode, userCodeConfirm: SECRETS.newUserCode });
        act('contact');
        continue;
      case 'enterPin':
        stack.send({ type: 'user.submitPin', pin: SECRETS.pin, pinConfirm: SECRETS.pin });
        act('PIN twice');
        continue;
      case 'stillThere':
        stack.send({ type: 'user.stillHere' });
        act('still here');
        continue;
      case 'cardRemoved':
        await stack.insert(cardNumber);
        act('puts the card back');
        continue;
      case 'outOfService':
        // The kiosk says it cannot serve; it comes back by itself once its parts are up.
        continue;
      // A session that ended with the card in asks for it first (removeCard): the same end.
      case 'removeCard':
      case 'insertCard':
        // The idle screen before the card is read is not the end of anything.
        if (faultAt === undefined) continue;
        if (restarts >= 2) {
          final = 'insertCard (session ended, no code)';
          break;
        }
        restarts++;
        await stack.remove();
        await stack.insert(cardNumber);
        act('takes the card out and in, starts again');
        continue;
      case 'failed':
        if ((code === '3125' || code === 'SESSION_EXPIRED' || code === 'WRONG_PATH') && retries < 3) {
          retries++;
          stack.send({ type: 'user.reset' });
          act('try again');
          continue;
        }
        if ((code === 'CARD_NOT_DETECTED' || code === 'CARD_SWAPPED') && reinserts < 2) {
          reinserts++;
          await stack.remove();
          await stack.insert(cardNumber);
          act('reinserts');
          continue;
        }
        final = `failed ${code ?? '(no code)'}`;
        break;
      default:
        final = `${view.screen}${code ? ` ${code}` : ''}`;
        break;
    }
    break;
  }
  stack.bridge.disarm();
  await injecting?.catch(() => undefined);
  if (faultAt === undefined) seen.push('(the step was never reached)');
  return { ...(await checkRecords(stack, cell, cardNumber, final, start)), cell, cardNumber, seen, final };
}

/** The records after the cell: the card's record and events (RA_EVENTS), the token; and what must hold of them. */
async function checkRecords(stack: FaultStack, cell: Cell, cardNumber: string, final: string, start: number) {
  const problems: string[] = [];
  // The record is the card's last change message: its event says the status the change left.
  const jsm = await jetstreamManager(stack.hubNc);
  const last = await jsm.direct.getMessage(JETSTREAM.registryEventsStream, { last_by_subj: JETSTREAM.registryCardSubject(cardNumber) });
  const record = last === null ? undefined : { status: last.json<{ to?: string }>().to ?? '(none)' };
  const events = (await readAll(jetstream(stack.hubNc), JETSTREAM.registryEventsStream, `ra.events.${cardNumber}.>`)).map(
    (msg) => msg.json<{ id: string; type: string }>(),
  );
  const count = (type: string) => events.filter((event) => event.type === type).length;
  const ids = new Set(events.map((event) => event.id));
  const token = await checkTokenElsewhere(stack.dataDir, cardNumber, SECRETS.pin);
  const pinWorks = token.accepted === true;
  // 您已完成憑證接受 is on the PIN screen: from there on the user was told the acceptance is recorded.
  const toldAccepted = stack.views.slice(start).some((view) => view.screen === 'enterPin' || view.screen === 'activated');

  if (count('accepted') > 1) problems.push(`${count('accepted')} acceptance events`);
  if (count('activated') > 1) problems.push(`${count('activated')} activation events`);
  if (ids.size !== events.length) problems.push('two events with one id');
  const status = record?.status ?? '(none)';
  if (toldAccepted && status !== 'accepted' && status !== 'activated') problems.push(`the user was told of the acceptance but the record is ${status}`);
  if (final === 'activated' && status !== 'activated') problems.push(`the user saw 恭喜 but the record is ${status}`);
  if ((status === 'accepted' || status === 'activated') && count('accepted') !== 1) problems.push(`record ${status} without exactly one acceptance event`);
  if (pinWorks && status !== 'activated') problems.push(`the new PIN works on the token but the record is ${status}`);
  if (final === 'stuck' || final.startsWith('insertCard')) problems.push(`the session neither resumed nor ended with a code (${final})`);
  // The user's truth: an activation that went through must end on 恭喜, not on a failure screen
  // that sends them to try again (or to staff) for a card that is done.
  if (pinWorks && status === 'activated' && final !== 'activated') problems.push(`the activation went through but the user ends on ${final}`);
  const records = `record ${status}; events ${events.map((event) => event.type).join(', ')}; token PIN ${pinWorks ? 'works' : 'not set'}`;
  return { records, problems };
}

/** docs/reliability.md's generated table. */
export function tableOf(outcomes: Outcome[]): string {
  const rows = outcomes.map((outcome) => {
    const verdict =
      outcome.problems.length === 0
        ? 'ok'
        : `FAILS — ${outcome.problems.join('; ')}`;
    return `| ${outcome.cell.step.label} | ${outcome.cell.path} | ${outcome.cell.fault.id} | ${outcome.seen.join(' → ')} | ${outcome.records} | ${verdict} |`;
  });
  return ['| step | path | fault | what the user sees next (⚡ = the fault; (…) = what the user does) | records after | verdict |', '|---|---|---|---|---|---|', ...rows].join('\n');
}
