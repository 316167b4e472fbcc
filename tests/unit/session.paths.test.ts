// Path-based tests from xstate/graph: the whole reachable state space of the session machine,
// explored with every user input (good and bad), every actor outcome, every contract error and
// every timer. Proves every screen and every error code is reachable, that no state is a trap,
// and replays each shortest path on a live actor to check the traversal against the interpreter.
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock, type AnyStateNode, type EventObject } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import * as v from 'valibot';
import { ERROR_CODES, SCREENS, ViewSchema, type View } from '../../machines/contract/index.ts';
import {
  exploreSessionGraph,
  serializeForTraversal,
  TRAVERSAL_NOW,
  traversalMachine,
  type SessionGraph,
  type SessionPath,
} from '../../kiosk/tools/states-graph-model.ts';
import {
  deriveView,
  readClockFrom,
  SECTION_3_EVENTS,
  sessionMachine,
  type AcceptCertificateInput,
  type AcceptCertificateOutput,
  type IdentifyCardInput,
  type IdentifyCardOutput,
  type ReadCardInput,
  type ReadCardOutput,
  type SelfcheckInput,
  type SelfcheckOutput,
  type SessionMeta,
  type SessionSnapshot,
  type SetPinInput,
  type SetPinOutput,
  type VerifyIdentityInput,
  type VerifyIdentityOutput,
} from '../../machines/session/index.ts';

const where = { kioskId: 'kiosk-1', seq: 0 };
const viewOf = (snapshot: SessionSnapshot): View => deriveView(snapshot, where);

let graph: SessionGraph;
let views: Array<{ path: SessionPath; view: View }>;

beforeAll(() => {
  graph = exploreSessionGraph();
  views = graph.shortestPaths.map((path) => ({ path, view: viewOf(path.state) }));
});

function targetsOf(transitions: object): SessionSnapshot[] {
  return Object.values(transitions as Record<string, { state: SessionSnapshot }>).map(({ state }) => state);
}

function describePath(path: SessionPath): string {
  return path.steps.map((step) => step.event.type).join(' → ');
}

/**
 * A choice point (`failed.routing`, `resuming`): left at once by its `always` transitions, so it is
 * never a state a snapshot rests in nor shows a screen. The traversal passes through it.
 */
function isPassThrough(node: AnyStateNode): boolean {
  return (node.always?.length ?? 0) > 0;
}

describe('reachability', () => {
  it('explores a finite state space', () => {
    expect(Object.keys(graph.adjacency).length).toBeGreaterThan(100);
    expect(graph.shortestPaths.length).toBe(Object.keys(graph.adjacency).length);
  });

  it('reaches every screen id of the contract', () => {
    const reached = new Set(views.map(({ view }) => view.screen));
    expect(SCREENS.filter((screen) => !reached.has(screen))).toEqual([]);
  });

  it('reaches, for every error code of the catalogue, a state that shows it in `error`', () => {
    // A code added to machines/contract/errors.ts without a state that shows it fails here.
    const reached = new Set(views.flatMap(({ view }) => (view.error === undefined ? [] : [view.error.code])));
    expect(ERROR_CODES.filter((code) => !reached.has(code))).toEqual([]);
  });

  it('reaches every state node of the machine', () => {
    const atomic = getStateNodes(sessionMachine.root)
      .filter((node) => node.type === 'atomic' && !isPassThrough(node))
      .map((node) => node.path.join('.'));
    const reached = new Set(views.map(({ view }) => view.state));
    expect(atomic.filter((state) => !reached.has(state))).toEqual([]);
  });
});

describe('no traps', () => {
  it('every reachable state has a way out to a different state', () => {
    const stuck = Object.entries(graph.adjacency)
      .filter(([key, { transitions }]) => targetsOf(transitions).every((state) => serializeForTraversal(state) === key))
      .map(([key]) => key);
    expect(stuck).toEqual([]);
  });

  it('from every reachable state the session can end (the idle insertCard screen is reachable)', () => {
    const reverse = new Map<string, Set<string>>();
    for (const [from, { transitions }] of Object.entries(graph.adjacency)) {
      for (const state of targetsOf(transitions)) {
        const to = serializeForTraversal(state);
        if (!reverse.has(to)) reverse.set(to, new Set());
        reverse.get(to)?.add(from);
      }
    }
    const idle = Object.entries(graph.adjacency)
      .filter(([, { state }]) => state.value === 'awaitingCard')
      .map(([key]) => key);
    expect(idle.length).toBeGreaterThan(0);
    const canEnd = new Set(idle);
    const queue = [...idle];
    while (queue.length > 0) {
      const next = queue.shift() as string;
      for (const from of reverse.get(next) ?? []) {
        if (!canEnd.has(from)) {
          canEnd.add(from);
          queue.push(from);
        }
      }
    }
    expect(Object.keys(graph.adjacency).filter((key) => !canEnd.has(key))).toEqual([]);
  });

  it('every state that waits on a person (in a session) or on staff has a timer, shown as the deadline', () => {
    const untimed = getStateNodes(sessionMachine.root)
      .filter((node) => node.type === 'atomic' && !isPassThrough(node))
      .filter((node) => node.path.length > 1 || node.tags.includes('needsStaff'))
      .filter((node) => node.tags.includes('needsUser') || node.tags.includes('needsStaff') || node.tags.length === 0)
      // A failure's timer is its parent's (`failed`): shared by every failure screen.
      .filter((node) => (node.after.length === 0 && (node.parent?.after.length ?? 0) === 0) || (node.meta as SessionMeta).timer === undefined)
      .map((node) => node.path.join('.'));
    expect(untimed).toEqual([]);
  });

  it('every busy state either invokes an actor with its own failure target or waits on a back-off', () => {
    const unguarded = getStateNodes(sessionMachine.root)
      .filter((node) => node.tags.includes('busy'))
      .filter((node) => {
        if (node.invoke.length === 0) return node.after.length === 0;
        return node.invoke.some((invoke) => !node.transitions.has(`xstate.error.actor.${invoke.id}`) || invoke.input === undefined);
      })
      .map((node) => node.path.join('.'));
    expect(unguarded).toEqual([]);
  });
});

describe('views of every reachable state', () => {
  it('satisfy the contract View schema', () => {
    const invalid = views.filter(({ view }) => !v.safeParse(ViewSchema, view).success).map(({ view }) => view.state);
    expect(invalid).toEqual([]);
  });

  it('`failed` always carries an error; input codes only ever show on input screens', () => {
    expect(views.filter(({ view }) => view.screen === 'failed' && view.error === undefined)).toEqual([]);
    const inputCodes = new Set(['PIN_FORMAT', 'PIN_MISMATCH', 'USER_CODE_FORMAT', 'USER_CODE_MISMATCH', 'EMAIL_FORMAT', 'ID_FORMAT', '3005']);
    const misplaced = views.filter(
      ({ view }) =>
        view.error !== undefined &&
        inputCodes.has(view.error.code) &&
        !['enterUserCode', 'enterResponsibleId', 'enterContact', 'enterPin'].includes(view.screen),
    );
    expect(misplaced.map(({ view }) => `${view.state}: ${view.error?.code}`)).toEqual([]);
  });

  it('accepts lists section 3 events only, and busy screens never take user input other than staff, language, help', () => {
    const section3 = new Set(Object.keys(SECTION_3_EVENTS));
    expect(views.flatMap(({ view }) => view.accepts.filter((type) => !section3.has(type)))).toEqual([]);
    const allowedWhileBusy = new Set(['user.callStaff', 'user.setLanguage', 'staff.abort', 'staff.takeCard']);
    const busyInput = views.flatMap(({ view }) =>
      view.busy ? view.accepts.filter((type) => !allowedWhileBusy.has(type)).map((type) => `${view.state}: ${type}`) : [],
    );
    expect(busyInput).toEqual([]);
  });

  it('every screen that is not busy or idle takes staff.abort or ends by itself', () => {
    // removeCard is outside a session like insertCard: it ends when the card is taken out.
    const idle = new Set(['insertCard', 'removeCard', 'outOfService']);
    const noExit = views.filter(({ view }) => !view.busy && !idle.has(view.screen) && !view.accepts.includes('staff.abort'));
    expect(noExit.map(({ view }) => view.state)).toEqual([]);
  });
});

describe('the traversal agrees with the interpreter', () => {
  /** An effect that never answers: the path itself supplies every actor outcome as an event. */
  const hanging = <Output, Input>() => fromPromise<Output, Input>(() => new Promise<Output>(() => undefined));

  function replay(path: SessionPath): View {
    const clock = new SimulatedClock();
    clock.set(TRAVERSAL_NOW);
    const machine = traversalMachine.provide({
      actions: { readClock: readClockFrom(() => clock.now()) },
      actors: {
        selfcheck: hanging<SelfcheckOutput, SelfcheckInput>(),
        readCard: hanging<ReadCardOutput, ReadCardInput>(),
        identifyCard: hanging<IdentifyCardOutput, IdentifyCardInput>(),
        verifyIdentity: hanging<VerifyIdentityOutput, VerifyIdentityInput>(),
        acceptCertificate: hanging<AcceptCertificateOutput, AcceptCertificateInput>(),
        setPin: hanging<SetPinOutput, SetPinInput>(),
      },
    });
    const actor = createActor(machine, { clock, input: {} });
    actor.start();
    for (const step of path.steps) {
      // The traversal records the machine's own start as a first step; the live actor did that on start().
      if (step.event.type !== 'xstate.init') actor.send(step.event as Parameters<typeof actor.send>[0]);
    }
    const view = viewOf(actor.getSnapshot());
    actor.stop();
    return view;
  }

  it('replays the shortest path to every reachable state on a live actor and lands on the same view', () => {
    // The traversal tells states apart by card number only, so the card's other details may differ.
    const comparable = (view: View) => JSON.stringify({ ...view, card: view.card?.cardNumber });
    const mismatched = graph.shortestPaths
      .map((path) => ({ path, expected: viewOf(path.state), actual: replay(path) }))
      .filter(({ expected, actual }) => comparable(expected) !== comparable(actual))
      .map(({ path, expected, actual }) => ({ path: describePath(path), expected, actual }));
    expect(mismatched).toEqual([]);
  });

  it('reaches each error code by a path a person could follow (shortest paths listed in docs/states.md)', () => {
    for (const code of ERROR_CODES) {
      const shortest = views
        .filter(({ view }) => view.error?.code === code)
        .sort((a, b) => a.path.steps.length - b.path.steps.length)[0];
      expect(shortest, code).toBeDefined();
      const events = (shortest?.path.steps ?? []).map((step) => (step.event as EventObject).type);
      // Every path starts with the machine's start and its start-up self-test.
      expect(events.slice(0, 2), code).toEqual(['xstate.init', 'xstate.done.actor.selfcheck']);
    }
  });
});

describe('meta', () => {
  it('every state names a screen of the contract and a description; flow screens name their step', () => {
    const nodes = getStateNodes(sessionMachine.root).filter((node: AnyStateNode) => node.type === 'atomic' && !isPassThrough(node));
    for (const node of nodes) {
      const meta = node.meta as SessionMeta | undefined;
      expect(SCREENS, node.id).toContain(meta?.screen);
      expect(meta?.description, node.id).toBeTruthy();
      if (['choosePath', 'enterUserCode', 'enterResponsibleId', 'confirmCardData', 'enterContact', 'enterPin', 'activated'].includes(meta?.screen ?? '')) {
        expect(meta?.step, node.id).toBeDefined();
      }
    }
  });

  it('every failure state states its error in meta, and its tags say whether staff are needed', () => {
    const failures = getStateNodes(sessionMachine.root).filter((node) => (node.meta as SessionMeta | undefined)?.screen === 'failed');
    expect(failures.length).toBeGreaterThanOrEqual(15);
    for (const node of failures) {
      const meta = node.meta as SessionMeta;
      expect(meta.error, node.id).toBeDefined();
      expect(node.tags, node.id).toContain('failure');
      expect(node.tags.includes('needsStaff') || node.tags.includes('needsUser'), node.id).toBe(true);
    }
  });
});
