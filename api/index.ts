/**
 * The provider API: what a provider file imports. The bottom layer of the kit; it imports
 * nothing else of it, so a provider depends on this folder alone.
 */
export * from './provider.ts';
export * from './native-error.ts';
export * from './byte-order.ts';
