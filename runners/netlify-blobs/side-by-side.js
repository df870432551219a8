// Which puts of one batch the Netlify Blobs host may write side by side (host.js): kept apart
// from the host, which starts a server when it is loaded.
/** Puts written together: at most this many at once. */
const AT_ONCE = 8;
const PLAIN_PATH = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

/**
 * Splits puts, in order, into groups that may be written side by side: plain path-like keys, at
 * most AT_ONCE, none equal to another of the group or a folder of it. Any other key is a group of
 * its own.
 * @param {import('../bridge/handler.js').PutEntry[]} puts
 * @returns {import('../bridge/handler.js').PutEntry[][]}
 */
export function sideBySide(puts) {
  /** @type {import('../bridge/handler.js').PutEntry[][]} */
  const groups = [];
  /** @type {import('../bridge/handler.js').PutEntry[]} */
  let group = [];
  /** @type {Set<string>} Keys of the group and every folder above them. */
  let taken = new Set();
  const close = () => {
    if (group.length) groups.push(group);
    group = [];
    taken = new Set();
  };
  for (const put of puts) {
    const folders = put.key.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    const plain = PLAIN_PATH.test(put.key);
    if (!plain || group.length >= AT_ONCE || taken.has(put.key) || folders.some((folder) => taken.has(folder) && group.some((other) => other.key === folder))) close();
    if (!plain) {
      groups.push([put]);
      continue;
    }
    group.push(put);
    taken.add(put.key);
    for (const folder of folders) taken.add(folder);
  }
  close();
  return groups;
}
