/** Every broken provider, with the cases that must catch its fault. */
import type { ProviderDefinition } from '../../api/index.ts';
import jsStringOrder from './js-string-order.ts';
import dropsKeyPerPage from './drops-key-per-page.ts';
import ignoresTtl from './ignores-ttl.ts';
import accepts513ByteKeys from './accepts-513-byte-keys.ts';
import mergesNfcNfd from './merges-nfc-nfd.ts';
import cursorRepeatsLastKey from './cursor-repeats-last-key.ts';
import deleteMissingFails from './delete-missing-fails.ts';

export const BROKEN: Array<{ provider: ProviderDefinition; mustFail: string[] }> = [
  { provider: jsStringOrder, mustFail: ['pagination.order.utf8-bytes', 'pagination.native.order'] },
  { provider: dropsKeyPerPage, mustFail: ['pagination.walk.page-2', 'pagination.walk.2500-keys'] },
  { provider: ignoresTtl, mustFail: ['ttl.expiry.exact', 'ttl.expired.vanishes', 'pagination.expired-left-out'] },
  { provider: accepts513ByteKeys, mustFail: ['keys.native.max-bytes.1-byte-chars', 'keys.native.max-bytes.4-byte-chars'] },
  { provider: mergesNfcNfd, mustFail: ['unicode.nfc-nfd-distinct', 'unicode.nfc-nfd-distinct.hangul'] },
  { provider: cursorRepeatsLastKey, mustFail: ['pagination.walk.page-2', 'pagination.walk.small'] },
  { provider: deleteMissingFails, mustFail: ['crud.delete-missing', 'crud.native-delete-missing', 'crud.delete.twice'] },
];
