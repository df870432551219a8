import { defineCases } from '../case.ts';
import { equal, ok } from '../assert.ts';
import { outcome } from '../observe.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

export default defineCases([
  {
    id: 'crud.round-trip',
    category: 'crud',
    check: 'contract',
    title: 'put_bytes then get_bytes returns the same bytes',
    ref: 'contract §6.1 contract_put_and_get',
    async run({ handle, key }) {
      await handle.putBytes(key('k'), bytes('v'));
      equal(await handle.getBytes(key('k')), bytes('v'), 'get_bytes after put_bytes');
    },
  },
  {
    id: 'crud.missing-is-null',
    category: 'crud',
    check: 'contract',
    title: 'get_bytes of a key never written is null',
    ref: 'contract §6.1 contract_get_missing_returns_none',
    async run({ handle, key }) {
      equal(await handle.getBytes(key('missing')), null, 'get_bytes of a missing key');
    },
  },
  {
    id: 'crud.overwrite.last-write-wins',
    category: 'crud',
    check: 'contract',
    title: 'a second put replaces the first',
    ref: 'contract §5 overwrite; §6.1 contract_put_overwrites',
    async run({ handle, key }) {
      await handle.putBytes(key('k'), bytes('first'));
      await handle.putBytes(key('k'), bytes('second'));
      equal(await handle.getBytes(key('k')), bytes('second'), 'get_bytes after two puts');
    },
  },
  {
    id: 'crud.delete',
    category: 'crud',
    check: 'contract',
    title: 'delete removes the key',
    ref: 'contract §6.1 contract_delete_removes_key',
    async run({ handle, key }) {
      await handle.putBytes(key('k'), bytes('v'));
      await handle.delete(key('k'));
      equal(await handle.getBytes(key('k')), null, 'get_bytes after delete');
    },
  },
  {
    id: 'crud.delete-missing',
    category: 'crud',
    check: 'contract',
    title: 'delete of a key that does not exist succeeds',
    ref: 'contract §5 delete a missing key; §6.1 contract_delete_nonexistent_ok',
    async run({ handle, key }) {
      await handle.delete(key('never-written'));
    },
  },
  {
    id: 'crud.native-delete-missing',
    category: 'crud',
    check: 'probe',
    title: 'what the platform itself does on delete of a missing key',
    ref: 'platform-kv-behaviour §C0 "Delete missing key"; §D8',
    contract: { ok: true },
    async run({ kv, key }) {
      const result = await outcome(() => kv.delete(key('never-written')));
      return result.ok ? { ok: true } : result;
    },
  },
  {
    id: 'pagination.walk.small',
    category: 'pagination',
    check: 'contract',
    title: 'a walk with page size 1 over three keys sees each key once',
    ref: 'contract §6.1 contract_list_keys_page_is_paginated',
    async run({ handle, key, ns }) {
      const keys = [key('app/one'), key('app/two'), key('other/three')];
      for (const k of keys) await handle.putBytes(k, bytes('v'));
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const result = await handle.listKeysPage(ns, cursor, 1);
        ok(result.keys.length <= 1, `a page of limit 1 held ${result.keys.length} keys`, result);
        seen.push(...result.keys);
        cursor = result.cursor;
        if (cursor === null) break;
      }
      equal([...seen].sort(), [...keys].sort(), 'keys seen across the walk');
    },
  },
]);
