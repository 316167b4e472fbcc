// The few Mocha globals the browser tests use (@web/test-runner runs Mocha in the page). Declared
// here rather than pulling in @types/mocha, whose globals would clash with vitest's in node tests.
type MochaBody = (this: unknown) => void | Promise<unknown>;

declare function describe(title: string, body: () => void): void;
declare function it(title: string, body: MochaBody): void;
declare function before(body: MochaBody): void;
declare function after(body: MochaBody): void;
declare function beforeEach(body: MochaBody): void;
declare function afterEach(body: MochaBody): void;
