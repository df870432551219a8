#!/usr/bin/env node
// Entry point: registers tsx so the kit (and providers given by path) can be TypeScript, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
