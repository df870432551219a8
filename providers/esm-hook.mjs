// Module hook: a provider file the kit imports with "?kvparity-format=module" is ES module code
// whatever its package's "type" says. providers/registry.ts asks for it only when a .ts file in a
// CommonJS package uses top-level await, which CommonJS cannot hold (as Node itself retries a .js
// file with ESM syntax as ESM).
/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  return resolved.url.endsWith('?kvparity-format=module') ? { ...resolved, format: 'module' } : resolved;
}
