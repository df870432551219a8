/**
 * A TypeScript provider from outside the kit is type-checked before a run, where TypeScript is
 * installed for it (resolved from the provider's folder): tsx runs a file with type errors as if
 * it had none, and a wrong type shows up as a strange failure in the middle of a run. The kit's
 * built-ins are checked by its own `npm run typecheck`, not on every run.
 */
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';
import { ProviderSpecError, type LoadedProvider } from '../providers/registry.ts';

type TypeScript = typeof import('typescript');

/** The options a provider without a tsconfig.json of its own is checked with. */
const DEFAULTS = { strict: true, noEmit: true, skipLibCheck: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true };

/** Type-checks each TypeScript provider given by path; throws ProviderSpecError naming every error. Returns a line per provider checked or not. */
export function typecheckProviders(loaded: LoadedProvider[]): string[] {
  const lines: string[] = [];
  for (const { definition, source } of loaded) {
    if (source === 'builtin' || !/\.[cm]?ts$/.test(source)) continue;
    const ts = typescriptFor(source);
    if (!ts) {
      lines.push(`${definition.id}: not type-checked (TypeScript is not installed for ${relative(process.cwd(), source) || source})`);
      continue;
    }
    const errors = typeErrors(ts, source);
    if (errors.length) {
      const shown = errors.slice(0, 10).map((error) => `  ${error}`).join('\n');
      throw new ProviderSpecError(`provider ${definition.id} (${source}) does not type-check (TypeScript ${ts.version}):\n${shown}${errors.length > 10 ? `\n  … ${errors.length - 10} more` : ''}`);
    }
    lines.push(`${definition.id}: type-checked with TypeScript ${ts.version}`);
  }
  return lines;
}

function typescriptFor(path: string): TypeScript | undefined {
  try {
    return createRequire(path)('typescript') as TypeScript;
  } catch {
    return undefined;
  }
}

/** The errors of `path` and what it imports, with the nearest tsconfig.json's options (or DEFAULTS). */
function typeErrors(ts: TypeScript, path: string): string[] {
  const configPath = ts.findConfigFile(dirname(path), ts.sys.fileExists);
  const options = configPath
    ? ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, ts.sys.readFile).config, ts.sys, dirname(configPath)).options
    : ts.convertCompilerOptionsFromJson(DEFAULTS, dirname(path)).options;
  const program = ts.createProgram([path], { ...options, noEmit: true });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error)
    .map((diagnostic) => {
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      if (!diagnostic.file || diagnostic.start === undefined) return text;
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      return `${relative(process.cwd(), diagnostic.file.fileName) || diagnostic.file.fileName}(${line + 1},${character + 1}): ${text}`;
    });
}
