// Import boundaries by folder (the VS Code layering idea): the folder says where code runs,
// and this file fails the lint when an import crosses a layer the wrong way.
//   shared/              "std": no Node built-ins, no electron, no DOM-only code, no app folders
//   renderer/            "dom": no Node built-ins, no electron, nothing from electron/
//   electron/services/, electron/relay/   "node": never `electron` (tests must import them)
//   electron/main/, electron/preload/     the Electron shell: the only places `electron` is allowed
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';
import { packageLayerRule } from './eslint-rules/package-layers.js';

const nodeBuiltins = [...new Set(builtinModules.flatMap((m) => [m, `node:${m}`]))];
const nodeBuiltinPatterns = [{ group: ['node:*'], message: 'Node built-ins are not available in this layer.' }];
const noNode = nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not available in this layer.' }));
const noElectron = [{ name: 'electron', message: "Only electron/main and electron/preload may import 'electron'." }];

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'test-artifacts/', '**/*.d.ts'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: 'module' } },
    plugins: { '@typescript-eslint': tseslint.plugin, fxe: { rules: { 'package-layer': packageLayerRule } } },
    rules: {},
  },
  // typescript-eslint's type-checked recommended rules, on every file tsconfig.json covers.
  ...tseslint.configs.recommendedTypeChecked.map((c) => ({ ...c, files: ['**/*.ts', '**/*.tsx'] })),
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `async` without `await` is how a function keeps a Promise-returning interface (the IPC
      // handlers, test doubles of the shell's dialogs): a throw inside then rejects, as callers expect.
      '@typescript-eslint/require-await': 'off',
      // React ignores what an event handler returns; each async one handles its own failure.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      // A leading underscore says "deliberately unused" (a parameter an interface requires).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      // Workers and streams rethrow a failure exactly as they caught it: typed unknown, and a
      // truthiness check narrows that to {}, which these two rules cannot tell from a non-Error.
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
    },
  },
  {
    // Tests read raw wire JSON and hand methods of stand-ins around on purpose.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  // Build configs at the top level are outside tsconfig.json: syntax rules only.
  { files: ['*.ts'], ...tseslint.configs.disableTypeChecked },
  // Which npm packages each folder may import (eslint-rules/package-layers.js).
  { files: ['shared/**/*.ts'], rules: { 'fxe/package-layer': ['error', 'std'] } },
  { files: ['renderer/**/*.ts', 'renderer/**/*.tsx'], rules: { 'fxe/package-layer': ['error', 'dom'] } },
  { files: ['electron/services/**/*.ts', 'electron/relay/**/*.ts'], rules: { 'fxe/package-layer': ['error', 'node'] } },
  { files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'], rules: { 'fxe/package-layer': ['error', 'main'] } },
  { files: ['test/**/*.ts'], rules: { 'fxe/package-layer': ['error', 'test'] } },
  { files: ['*.ts'], rules: { 'fxe/package-layer': ['error', 'build'] } },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...noNode, ...noElectron],
        patterns: [...nodeBuiltinPatterns, { group: ['**/electron/**', '**/renderer/**', '**/test/**'], message: 'shared/ depends on nothing of the app.' }],
      }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...noNode, ...noElectron],
        patterns: [...nodeBuiltinPatterns, { group: ['**/electron/**', '**/test/**'], message: 'The renderer talks to main only through window.fxe.' }],
      }],
    },
  },
  {
    files: ['electron/services/**/*.ts', 'electron/relay/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: noElectron,
        patterns: [{ group: ['**/renderer/**', '**/electron/main/**', '**/electron/preload/**'], message: 'Services are plain Node: they never reach into the shell or the UI.' }],
      }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: noElectron }] },
  },
);
