/** Each glob's regex, made once: known divergences match every pattern against every case id. */
const globs = new Map<string, RegExp>();

/** A case id pattern: an exact id, or a glob where `*` stands for any run of characters ("pagination.walk.*"). */
export function matchesCaseId(pattern: string, id: string): boolean {
  if (!pattern.includes('*')) return pattern === id;
  let re = globs.get(pattern);
  if (!re) globs.set(pattern, (re = new RegExp('^' + pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$')));
  return re.test(id);
}
