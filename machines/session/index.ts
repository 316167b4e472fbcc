// The kiosk session statechart and what goes with it: the actor types the engine implements, the
// contract View derived from a snapshot, and secret-free persistence.
export * from './actors.ts';
export * from './session.machine.ts';
export * from './view.ts';
export * from './resolved-view.ts';
export * from './persistence.ts';
