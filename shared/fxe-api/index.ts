// The relay REST API: shapes, error codes, request targets and the redeem builder.
// Import from 'shared/fxe-api/index.ts'. Prose version: docs/relay.md.
export * from './types.ts';
export * from './errors.ts';
export * from './paths.ts';
export * from './redeem.ts';
