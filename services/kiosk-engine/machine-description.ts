// The session machine's structure as plain JSON, for the visual inspector. The walker lives in
// machines/session/introspect.ts (one reading of the machine for the docs, the inspector and the
// drawing); this module keeps the engine's import where it was.
export { describeMachine, type DescribedState, type DescribedTransition } from '../../machines/session/introspect.ts';
