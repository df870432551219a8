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
  /** The group's keys, and every folder above them. */
  let keys = new Set();
  let folders = new Set();
  const close = () => {
    if (group.length) groups.push(group);
    group = [];
    keys = new Set();
    folders = new Set();
  };
  for (const put of puts) {
    if (!PLAIN_PATH.test(put.key)) {
      close();
      groups.push([put]);
      continue;
    }
    const above = put.key.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    // The same key, a folder of one in the group, or a key of the group above this one: in order.
    if (group.length >= AT_ONCE || keys.has(put.key) || folders.has(put.key) || above.some((folder) => keys.has(folder))) close();
    group.push(put);
    keys.add(put.key);
    for (const folder of above) folders.add(folder);
  }
  close();
  return groups;
}
