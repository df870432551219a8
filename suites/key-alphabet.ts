/**
 * The characters a store takes in keys, observed once a run (the engine asks before the first
 * case), so that cases about other rules than characters write names the store takes. A store
 * with a restricted alphabet (NATS: `[-./=_a-zA-Z0-9]`) then diverges on the cases about
 * characters only, and its case sensitivity, order, prefixes, concurrency and model runs are
 * still tested. Every printable ASCII character is tried, and a few of each wider UTF-8 width.
 */
import type { CaseInstance } from './instance.ts';
import type { AlphabetFact } from '../results/facts.ts';

type Width = 2 | 3 | 4;

/** Printable ASCII, U+0020 to U+007E: each one is tried. */
const ASCII = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

/** A few characters of each wider UTF-8 width, the ones the cases use first (é, €, 😀). */
export const WIDER: Record<Width, string[]> = {
  2: ['\u00e9', '\u00c9', '\u00df', '\u00a0', '\u044f'],
  3: ['\u20ac', '\u65e5', '\ufffd', '\uffff', '\u212a'],
  4: ['\u{1f600}', '\u{10000}', '\u{10ffff}'],
};

const widthOf = (char: string): 1 | Width => (Buffer.byteLength(char, 'utf8') as 1 | Width);

/** What a case gets: the store's alphabet, and names made to fit it. */
export interface KeyAlphabet {
  /** The observation, as the keys.native.alphabet probe reports it. */
  readonly fact: AlphabetFact;
  /** Does the store take every character of `name` in a key? */
  takes(name: string): boolean;
  /**
   * Of `names`, the ones the store takes, in order: for names whose characters are the point of
   * another rule (é beside É for case, U+FFFD beside U+10000 for order), so a refused one is left
   * to the cases about characters.
   */
  only(names: readonly string[]): string[];
  /**
   * `names` with each character the store does not take replaced by "/" (which every run's key
   * namespace holds): for names whose characters are incidental ("app:user:1"). Throws if two
   * names would become one.
   */
  fit(names: readonly string[]): string[];
  /** The first character of `width` UTF-8 bytes the store takes, or null: none of those tried. */
  charOfWidth(width: 1 | Width): string | null;
}

/** A store that takes every character tried (or whose alphabet was not observed): names stay as written. */
export function keyAlphabet(fact: AlphabetFact): KeyAlphabet {
  const refused = new Set(fact.refused);
  const wholeWidthRefused = new Set(fact.noneOfWidth);
  const takesChar = (char: string) => {
    if (refused.has(char)) return false;
    const width = widthOf(char);
    // A wider character never tried is taken where every one of its width was (and refused where none was).
    return width === 1 || !wholeWidthRefused.has(width) || fact.taken.includes(char);
  };
  const takes = (name: string) => [...name].every(takesChar);
  return {
    fact,
    takes,
    only: (names) => names.filter(takes),
    fit(names) {
      const fitted = names.map((name) => [...name].map((char) => (takesChar(char) ? char : '/')).join(''));
      const twice = fitted.find((name, i) => fitted.indexOf(name) !== i);
      if (twice !== undefined) throw new Error(`internal: two names become "${twice}" in this store's alphabet (${fact.summary})`);
      return fitted;
    },
    charOfWidth(width) {
      const tried = width === 1 ? ['a'] : WIDER[width];
      return tried.find(takesChar) ?? null;
    },
  };
}

/** The alphabet of a store not observed (or before it is): every character. */
export const ANY_ALPHABET: KeyAlphabet = keyAlphabet({ fact: 'alphabet', summary: 'every character tried', class: null, taken: [], refused: [], noneOfWidth: [], how: 'not observed' });

/**
 * Tries each character in the middle of a key under `prefix` ("x<c>x": a store may refuse some
 * only at an end, NATS a "."), taken when the key is written and read back under its name. Writes
 * under `prefix` only, and removes what it wrote.
 */
export async function observeAlphabet(kv: CaseInstance, prefix: string): Promise<AlphabetFact> {
  const chars = [...ASCII, ...WIDER[2], ...WIDER[3], ...WIDER[4]];
  const keys = chars.map((char, i) => `${prefix}${i.toString(36).padStart(2, '0')}x${char}x`);
  const puts = await kv.batch(keys.map((key) => ({ op: 'put', key, value: new Uint8Array([1]) })));
  try {
    const written = keys.filter((_, i) => puts[i].ok);
    const gets = await kv.batch(written.map((key) => ({ op: 'get', key })));
    const readBack = new Set(written.filter((_, i) => { const result = gets[i]; return result.ok && !!result.entry; }));
    const taken = chars.filter((_, i) => readBack.has(keys[i]));
    const firstRefusal = puts.find((result) => !result.ok);
    return describe(chars, taken, firstRefusal && !firstRefusal.ok ? firstRefusal.error.message : undefined);
  } finally {
    await kv.batch(keys.map((key) => ({ op: 'delete', key })));
  }
}

function describe(tried: string[], taken: string[], error: string | undefined): AlphabetFact {
  const isTaken = new Set(taken);
  const refused = tried.filter((char) => !isTaken.has(char));
  const noneOfWidth = ([2, 3, 4] as const).filter((width) => !WIDER[width].some((char) => isTaken.has(char)));
  const asciiTaken = ASCII.filter((char) => isTaken.has(char));
  const how = `${ASCII.length} printable ASCII characters and ${tried.length - ASCII.length} of 2, 3 and 4 UTF-8 bytes, each written inside a key and read back`;
  if (refused.length === 0) return { fact: 'alphabet', summary: 'every character tried', class: null, taken, refused, noneOfWidth, how };
  const ascii = asciiTaken.length === ASCII.length ? 'printable ASCII' : ASCII.length - asciiTaken.length <= 10 ? `printable ASCII but ${ASCII.filter((c) => !isTaken.has(c)).map(quoteChar).join(' ')}` : `\`${characterClass(asciiTaken)}\``;
  const whole = ([2, 3, 4] as const).filter((width) => WIDER[width].every((char) => isTaken.has(char)));
  const some = ([2, 3, 4] as const).filter((width) => !whole.includes(width) && !noneOfWidth.includes(width));
  const wider = [
    whole.length ? `every ${widthList(whole)} character tried` : '',
    ...some.map((width) => `some ${width}-byte characters (${WIDER[width].filter((c) => isTaken.has(c)).map(quoteChar).join(' ')})`),
    noneOfWidth.length ? `no ${widthList(noneOfWidth, 'or')} character` : '',
  ].filter(Boolean);
  const restricted = whole.length === 0 && some.length === 0;
  return {
    fact: 'alphabet',
    summary: restricted ? `${ascii} only: ${wider.join('; ')}` : `${ascii}; ${wider.join('; ')}`,
    class: asciiTaken.length === ASCII.length ? null : characterClass(asciiTaken),
    taken,
    refused,
    noneOfWidth,
    ...(error !== undefined ? { error } : {}),
    how,
  };
}

/** "2-, 3- and 4-byte", "2- or 4-byte", "3-byte". */
function widthList(widths: readonly number[], and = 'and'): string {
  const names = widths.map((width, i) => (i === widths.length - 1 ? `${width}-byte` : `${width}-`));
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} ${and} ${names[names.length - 1]}`;
}

/** A character as a reader can see it: itself, or U+XXXX for a space, a noncharacter or an invisible one. */
export const showChar = (char: string) => (/^[\p{L}\p{N}\p{P}\p{S}]$/u.test(char) ? char : `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);

const quoteChar = (char: string) => (char === ' ' ? 'space' : `\`${showChar(char)}\``);

/** A regular-expression class for ASCII characters: "-" first, other punctuation, then a-z, A-Z, 0-9 as ranges. */
export function characterClass(chars: string[]): string {
  const set = new Set(chars);
  const runs = ['az', 'AZ', '09'].map(([from, to]) => {
    const all = Array.from({ length: to.charCodeAt(0) - from.charCodeAt(0) + 1 }, (_, i) => String.fromCharCode(from.charCodeAt(0) + i));
    const present = all.filter((char) => set.has(char));
    present.forEach((char) => set.delete(char));
    return present.length === all.length ? `${from}-${to}` : present.join('');
  });
  const dash = set.delete('-') ? '-' : '';
  const punctuation = [...set].sort().map((char) => (/[\]\\^]/.test(char) ? `\\${char}` : char)).join('');
  return `[${dash}${punctuation}${runs.join('')}]`;
}
