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
