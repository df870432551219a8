#!/usr/bin/env node
// Entry point: registers tsx so the kit (and providers given by path) can be TypeScript, then runs the CLI.
// Both hooks: a provider file outside any "type": "module" package is loaded as CommonJS.
import { register } from 'tsx/esm/api';
import { register as registerCommonJs } from 'tsx/cjs/api';

register();
registerCommonJs();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
