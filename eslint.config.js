// Lint and architecture rules, run by `npm run lint` (part of `npm test`).
//
// typescript-eslint's recommended rules catch the usual mistakes; eslint-plugin-boundaries keeps
// the layout honest: the layers below may only import what the table in docs/architecture.md says.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';

/** Code that runs in the kiosk's Chromium: the touch UI, the staff console, the inspector, the dashboard, their shared parts. */
const BROWSER = ['kiosk/src', 'kiosk/staff', 'kiosk/inspector', 'kiosk/dashboard', 'kiosk/consoles', 'kiosk/fixtures'];
/** One runtime (docs/architecture.md): the NATS transport is imported by platform/nats-runtime.ts alone (and tests). */
const TRANSPORT_IN_RUNTIME_ONLY = {
  name: '@nats-io/transport-node',
  message: 'Connect through connectNats / connectPart in platform/nats-runtime.ts (docs/architecture.md, "One runtime").',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'kiosk/dist/**', 'dist/**', '.data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // `_name` marks a parameter kept for its position in a signature.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Empty catch blocks are allowed only with a comment saying why the error does not matter.
      'no-empty': ['error', { allowEmptyCatch: false }],
      // A `let` read by a cleanup closure before it is first assigned (start/stop pairs) stays a `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Plain JavaScript here is Node tooling (the installer, configs).
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.ts', '**/*.mts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': [
        { type: 'machines', pattern: 'machines' },
        // The Node runtime pieces the card agent and the services both use; owned by neither.
        { type: 'platform', pattern: 'platform' },
        // Node scripts beside the browser code: bundling, screenshots, the preview server.
        { type: 'kiosk-tools', pattern: 'kiosk/tools' },
        { type: 'browser', pattern: BROWSER },
        { type: 'card', pattern: 'card' },
        { type: 'services', pattern: 'services' },
        { type: 'deploy', pattern: 'deploy' },
        { type: 'tests', pattern: 'tests' },
      ],
      'boundaries/include': ['machines/**', 'platform/**', 'kiosk/**', 'card/**', 'services/**', 'deploy/**', 'tests/**'],
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            // The statechart, contract and validators are pure: they import nothing of ours beside themselves.
            { from: { element: { type: 'machines' } }, allow: { to: { element: { type: 'machines' } } } },
            // Browser code talks to the rest only through the contract and NATS.
            { from: { element: { type: 'browser' } }, allow: { to: { element: { types: { anyOf: ['machines', 'browser'] } } } } },
            // Layers one way down: machines <- platform <- card <- services <- deploy (docs/architecture.md).
            { from: { element: { type: 'platform' } }, allow: { to: { element: { types: { anyOf: ['machines', 'platform'] } } } } },
            { from: { element: { type: 'kiosk-tools' } }, allow: { to: { element: { types: { anyOf: ['machines', 'browser', 'kiosk-tools', 'platform'] } } } } },
            // The card agent is a part of its own on the shared runtime; it never imports a service.
            { from: { element: { type: 'card' } }, allow: { to: { element: { types: { anyOf: ['machines', 'platform', 'card'] } } } } },
            // Services never import the UI's code, only the tools that build it.
            { from: { element: { type: 'services' } }, allow: { to: { element: { types: { anyOf: ['machines', 'platform', 'card', 'services', 'kiosk-tools'] } } } } },
            // The release build (deploy/build.ts) bundles the UI with the kiosk's build tool.
            { from: { element: { type: 'deploy' } }, allow: { to: { element: { types: { anyOf: ['machines', 'platform', 'card', 'services', 'deploy', 'kiosk-tools'] } } } } },
            { from: { element: { type: 'tests' } }, allow: { to: { element: { types: { anyOf: ['machines', 'platform', 'browser', 'kiosk-tools', 'card', 'services', 'deploy', 'tests'] } } } } },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    ignores: ['platform/nats-runtime.ts', 'tests/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [TRANSPORT_IN_RUNTIME_ONLY] }] },
  },
  {
    // The statechart, contract and validators run in the browser as well as in Node: no Node built-ins.
    files: ['machines/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [TRANSPORT_IN_RUNTIME_ONLY], patterns: [{ group: ['node:*'], message: 'machines/ is pure: no Node built-ins.' }] }],
    },
  },
  {
    // Browser code has no Node built-ins.
    files: BROWSER.map((folder) => `${folder}/**/*.ts`),
    rules: {
      'no-restricted-imports': ['error', { paths: [TRANSPORT_IN_RUNTIME_ONLY], patterns: [{ group: ['node:*'], message: 'Browser code cannot use Node built-ins.' }] }],
    },
  },
);
