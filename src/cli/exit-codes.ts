// The exit codes are a fact of the product, not of the CLI: they live in src/exit-codes.ts so that fleet and
// watch (which the CLI imports) need not import cli/. Commands keep importing them from here.
export * from '../exit-codes.js';
