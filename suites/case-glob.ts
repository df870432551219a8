/** A case id pattern: an exact id, or a glob where `*` stands for any run of characters ("pagination.walk.*"). */
export function matchesCaseId(pattern: string, id: string): boolean {
  if (!pattern.includes('*')) return pattern === id;
  const re = new RegExp('^' + pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(id);
}
