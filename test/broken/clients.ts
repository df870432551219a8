/**
 * Deliberately broken clients: the kit's port of EdgeZero's KvHandle (contract/) with one fault,
 * patched in for a run and restored after. Some rules live in the client alone (how a KvError
 * answers over HTTP, what a typed value serializes to), so no store can break them: a case about
 * such a rule must catch a broken client instead, and fail nowhere outside its area.
 */
import { KvHandle } from '../../contract/handle.ts';
import { KvError } from '../../contract/errors.ts';

export interface BrokenClient {
  id: string;
  fault: string;
  /** Patches the client; returns what undoes it. */
  apply(): () => void;
  mustFail: string[];
  categories: string[];
}

/** Replaces `name` on `target` (a method, or a getter when `getter` is set) and returns the restore. */
function patch<T extends object>(target: T, name: string, replace: (original: PropertyDescriptor) => PropertyDescriptor): () => void {
  const original = Object.getOwnPropertyDescriptor(target, name);
  if (!original) throw new Error(`nothing named ${name} to patch`);
  Object.defineProperty(target, name, { ...original, ...replace(original) });
  return () => Object.defineProperty(target, name, original);
}

/** Both typed puts, with `value` passed through `change` first. */
function patchTypedPuts(change: (value: unknown) => unknown): () => void {
  const restorePut = patch(KvHandle.prototype, 'put', ({ value: put }) => ({
    value(this: KvHandle, key: string, value: unknown) {
      return put.call(this, key, change(value));
    },
  }));
  const restorePutWithTtl = patch(KvHandle.prototype, 'putWithTtl', ({ value: putWithTtl }) => ({
    value(this: KvHandle, key: string, value: unknown, ttl: number) {
      return putWithTtl.call(this, key, change(value), ttl);
    },
  }));
  return () => {
    restorePut();
    restorePutWithTtl();
  };
}

/** Whether JSON has no text for `value` (undefined, a symbol, a function); values that make JSON.stringify throw are left to it. */
function noJsonText(value: unknown): boolean {
  try {
    return JSON.stringify(value) === undefined;
  } catch {
    return false;
  }
}

export const BROKEN_CLIENTS: BrokenClient[] = [
  {
    id: 'serialization-error-loses-text',
    fault: 'a Serialization error answers 500 "internal error", its text lost',
    apply: () =>
      patch(KvError.prototype, 'httpMessage', ({ get }) => ({
        get(this: KvError) {
          return this.kind === 'Serialization' ? 'internal error' : get!.call(this);
        },
      })),
    mustFail: ['validation.http-mapping.every-kind'],
    categories: ['validation'],
  },
  {
    id: 'stores-unserializable-as-null',
    fault: 'a value JSON has no text for (a symbol, undefined) is stored as null',
    apply: () => patchTypedPuts((value) => (noJsonText(value) ? null : value)),
    mustFail: ['validation.serialization.symbol', 'validation.serialization.undefined'],
    categories: ['validation'],
  },
  {
    id: 'serializes-a-copy',
    fault: 'serializes a structured clone of the value, which drops its own toJSON',
    apply: () =>
      patchTypedPuts((value) => {
        try {
          return structuredClone(value);
        } catch {
          return value; // symbols and functions cannot be cloned: left for the serializer to refuse
        }
      }),
    mustFail: ['crud.typed.to-json'],
    categories: ['crud'],
  },
];
