// The inspector drawing's folding rules (kiosk/inspector/graph/drawing-model.ts) decide from a
// machine's structure, not from state names: a small machine of another shape is folded by the
// same rules, and a state added to the session machine (a new failure, a new step) is drawn by
// them with nothing else to change.
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { drawingModel } from '../../kiosk/inspector/graph/drawing-model.ts';
import { describeMachine, statechartGraph } from '../../machines/session/introspect.ts';
import { sessionMachine } from '../../machines/session/session.machine.ts';

/** A shop till, nothing like the kiosk: a frame with its own events, a failure frame, a dispatcher. */
const till = createMachine({
  id: 'till',
  initial: 'idle',
  states: {
    idle: { on: { 'item.scanned': 'sale', 'staff.help': 'helping' } },
    helping: { on: { 'staff.done': 'idle' } },
    sale: {
      initial: 'scanning',
      on: { 'customer.left': 'idle', 'staff.help': 'helping' },
      states: {
        scanning: {
          on: {
            'item.scanned': 'scanning',
            pay: 'paying',
            'customer.left': '#till.idle',
            'bad.item': 'broken.badItem',
            'bad.scanner': 'broken.badScanner',
          },
          after: { idleTimeout: 'asleep' },
        },
        paying: {
          on: { 'paid.card': 'done', 'paid.cash': 'done', declined: 'broken.declined' },
          after: { idleTimeout: 'asleep' },
        },
        asleep: { on: { wake: 'back' } },
        back: {
          always: [
            { target: 'scanning', guard: () => false },
            { target: 'paying', guard: () => false },
            { target: 'done', guard: () => false },
            { target: 'broken.badItem', guard: () => false },
            { target: 'broken.declined', guard: () => false },
            { target: 'asleep' },
          ],
        },
        done: { after: { idleTimeout: 'asleep' } },
        broken: {
          initial: 'badItem',
          on: { 'customer.left': 'done' },
          states: {
            badItem: { meta: { error: 'BAD_ITEM' }, on: { retry: '#till.sale.scanning' } },
            badScanner: { meta: { error: 'BAD_SCANNER' } },
            declined: { meta: { error: 'DECLINED' } },
          },
        },
      },
    },
  },
});

describe('the drawing model', () => {
  const model = drawingModel(statechartGraph(describeMachine(till)));
  const edgesWith = (event: string) => model.edges.filter((edge) => edge.members.some((member) => member.event === event));

  it("draws a frame's own event once, from the frame; a state handling it too says so in its box", () => {
    expect(model.frameEvents.get('customer.left')).toBe('till.sale');
    expect(edgesWith('customer.left').map((edge) => edge.links)).toEqual([[{ source: 'till.sale', target: 'till.idle' }]]);
    expect(model.notes.get('till.sale.scanning')).toContain('customer.left → idle');
    // the innermost frame handling an event defers to the outermost: written, not drawn
    expect(model.notes.get('till.sale.broken')).toContain('customer.left → done');
    // a root-level state handling a frame's event is written too
    expect(edgesWith('staff.help')).toHaveLength(1);
    expect(model.notes.get('till.idle')).toContain('staff.help → helping');
  });

  it('bundles every transition into the failure frame into one edge entering the frame', () => {
    expect(model.failureFrame).toBe('till.sale.broken');
    const bundles = model.edges.filter((edge) => edge.kind === 'failure');
    expect(bundles).toHaveLength(1);
    expect(new Set(bundles[0]!.links.map((link) => link.target))).toEqual(new Set(['till.sale.broken']));
    expect(new Set(bundles[0]!.links.map((link) => link.source))).toEqual(new Set(['till.sale.scanning', 'till.sale.paying']));
    expect(bundles[0]!.members.map((member) => member.event).sort()).toEqual(['bad.item', 'bad.scanner', 'declined']);
    // a failure state's way out is written in its box
    expect(model.notes.get('till.sale.broken.badItem')).toContain('retry → scanning');
  });

  it('describes a dispatcher, marks self-transitions, and writes a shared event once at its target', () => {
    expect(model.notes.get('till.sale.back')).toEqual(['always → 6 states, by guard']);
    expect(model.edges.some((edge) => edge.links.some((link) => link.source === 'till.sale.back'))).toBe(false);
    expect(model.selfLoops.get('till.sale.scanning')).toEqual(['item.scanned']);
    expect(model.notes.get('till.sale.asleep')).toContain('⇠ after idleTimeout ×3');
    expect(edgesWith('after idleTimeout')).toHaveLength(0);
    // two events between the same two states: one edge, a label line each
    const payment = model.edges.filter((edge) => edge.links.some((link) => link.source === 'till.sale.paying' && link.target === 'till.sale.done'));
    expect(payment).toHaveLength(1);
    expect(payment[0]!.label.split('\n').sort()).toEqual(['paid.card', 'paid.cash']);
  });

  it('draws a state added to the session machine by the same rules', () => {
    type Node = { states: Record<string, Node & Record<string, unknown>> } & Record<string, unknown>;
    const config = sessionMachine.config as unknown as Node;
    const session = config.states.session!;
    const failed = session.states.failed!;
    // copied along the path that changes (the description reads the structure only)
    const extendedConfig = {
      ...config,
      states: {
        ...config.states,
        session: {
          ...session,
          states: {
            ...session.states,
            failed: { ...failed, states: { ...failed.states, wrongKindOfCard: { meta: { error: 'NOT_A_BUSINESS_CARD', screen: 'failed' }, tags: ['failure'] } } },
            awaitingCardRemoval: {
              meta: { screen: 'removeCard' },
              on: { 'card.removed': '#kioskSession.awaitingCard', 'user.callStaff': '#session.awaitingStaff' },
            },
          },
        },
      },
    };
    const extended = createMachine(extendedConfig as never);
    const before = drawingModel(statechartGraph(describeMachine(sessionMachine)));
    const after = drawingModel(statechartGraph(describeMachine(extended)));
    expect(after.graph.nodes.find((node) => node.id.endsWith('.wrongKindOfCard'))?.parent).toBe(before.failureFrame);
    expect(after.failureFrame).toBe(before.failureFrame);
    expect(after.edges.filter((edge) => edge.kind === 'failure')).toHaveLength(1);
    const card = after.notes.get('kioskSession.session.awaitingCardRemoval') ?? [];
    expect(card).toEqual(['card.removed → awaitingCard', 'user.callStaff → awaitingStaff']);
    for (const event of after.frameEvents.keys()) {
      expect(after.edges.filter((edge) => edge.members.some((member) => member.event === event)).length, event).toBeLessThanOrEqual(1);
    }
  });
});
