#!/usr/bin/env node
// Entry point: registers tsx so the kit (and providers given by path) can be TypeScript, then runs the CLI.
// Both hooks: a provider file outside any "type": "module" package is loaded as CommonJS. The
// third lets a .ts provider with top-level await load as ESM in such a package (cli/esm-hook.mjs).
import { register as registerHook } from 'node:module';
import { register } from 'tsx/esm/api';
import { register as registerCommonJs } from 'tsx/cjs/api';

register();
registerCommonJs();
registerHook('./esm-hook.mjs', import.meta.url);
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
// Nothing a provider left behind (a child spawned before a failed start, an open socket) may keep
// the kit alive once its work is done: exit, and the exit hook in runners/process.ts kills tracked children.
setTimeout(() => process.exit(), 500).unref();
