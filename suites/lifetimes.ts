/**
 * What keys written with given TTLs actually live: a store may accept a TTL and not honour it
 * (etcd raises every lease under its minimum to 2 s and truncates fractions). Keys of several TTLs
 * are written in two bursts a moment apart and watched until each is gone: with the provider's
 * clock (one TTL at a time, read a quarter second before and at its TTL, then while it lives on),
 * or in real time (all at once, read every 100 ms, to about half a second; only with --real-time).
 *
 * Keys that die together live the same time. So a TTL is honoured when its key lives no longer than
 * the keys of larger TTLs do past theirs (a key raised to a floor dies with the floor's key), and
 * not shorter than asked; a fraction is truncated when its key dies with the whole second below it.
 * Two bursts keep one tick of a store's expiry loop (etcd checks every 500 ms) from passing for a
 * difference, and tell a fixed floor (the same in both) from late expiry that happens to gather
 * keys (a sweep at one moment).
 */
import type { CaseContext } from './case.ts';
import type { TtlLifetimes } from '../results/facts.ts';
import { attempt } from './probe.ts';
import { REAL_WALL } from './real-time.ts';

/** The TTLs asked, in seconds: whole seconds close together where floors are (etcd's is 2 s) and around the contract's 60 s, and fractions between them. */
export const LIFETIME_TTLS = [0.001, 1, 2, 3, 5, 10, 59, 60, 61];
const FRACTIONS = [1.5, 2.5, 59.5];
const POLL_MS = 100;
/** The second burst, after the first: a quarter of a second in real time, more than a second with a clock (past a sweep's moment). */
const BURST_GAP_MS = { clock: 1250, realTime: 250 };
/**
 * With a clock, reads are a quarter second apart, not a millisecond: some clocks run on in real time
 * between the kit's moves, and the lateness itself is ttl.native.expiry-at-ttl's, to the millisecond.
 */
const STEP_MS = 250;
/** With a clock, a key still there past its TTL is read every quarter second for this long, then at doubling steps. */
const FINE_MS = 1000;
const TAIL_LIMIT_MS = 2 * 24 * 3600 * 1000;
/** In real time, two deaths closer than this count as one; a difference smaller than half a second is not told. */
const TOGETHER_MS_REAL = 250;
const LATE_MS_REAL = 500;
/** In real time, the ages at which keys raised to a floor die agree to a tick of the store's loop and a read. */
const AGE_MS_REAL = 600;

/** A key's life, in ms after its put: last seen (`lo`) and first seen gone (`hi`; null: never seen gone). */
export interface Life {
  ttl: number;
  lo: number;
  hi: number | null;
}

export interface Observed {
  bursts: Life[][];
  measured: 'controlled-clock' | 'real-time';
  /** TTLs the store refused (left out). */
  refused: number[];
  stopped?: string;
}

/** The TTLs to ask, from the smallest the store accepts (`min`, seconds): the ladder above it, and the ladder's shape at it. */
export function ttlsFrom(min: number): number[] {
  const base = [...LIFETIME_TTLS, ...FRACTIONS].filter((t) => t >= min);
  // The smallest itself, the whole second after it and the fraction between: a floor or a truncation right there shows.
  base.push(...(min >= 1 ? [min, min + 0.5, min + 1] : [min]));
  return [...new Set(base)].sort((a, b) => a - b);
}

/** Writes keys `<tag><burst>-<ttl>` with each TTL and watches them; needs context.clock or context.realTime. */
export async function observeLifetimes(context: CaseContext, ttls: number[], tag: string): Promise<Observed> {
  const { kv, key } = context;
  const name = (burst: number, ttl: number) => key(`${tag}${'ab'[burst]}-${ttl}`);
  const put = (burst: number, ttl: number) => attempt(() => kv.put(name(burst, ttl), new Uint8Array([1]), { ttlSeconds: ttl }));

  if (context.clock) return watchWithClock(context, ttls, name, put);

  const realTime = context.realTime;
  if (!realTime) throw new Error('observeLifetimes needs a clock or real time');
  // Only TTLs whose keys can be seen gone, a second late, before the phase ends.
  const fit = ttls.filter((ttl) => ttl * 1000 + 2000 < realTime.remainingMs());
  const refused = new Set<number>();
  const sentAt: number[][] = [];
  const answeredAt: number[][] = [];
  const bursts: Life[][] = [[], []];
  for (let b = 0; b < 2; b++) {
    if (b > 0) await REAL_WALL.sleep(BURST_GAP_MS.realTime);
    // Side by side, so the keys of a burst start their lives within a few milliseconds of each other.
    sentAt.push([]);
    answeredAt.push([]);
    await Promise.all(
      fit.map(async (ttl, i) => {
        sentAt[b][i] = REAL_WALL.now();
        const result = await put(b, ttl);
        answeredAt[b][i] = REAL_WALL.now();
        if (result.ok) bursts[b].push({ ttl, lo: 0, hi: null });
        else refused.add(ttl);
      }),
    );
  }
  const indexOf = (ttl: number) => fit.indexOf(ttl);
  let stopped: string | undefined;
  for (;;) {
    const open = bursts.flatMap((lives, b) => lives.filter((l) => l.hi === null).map((l) => ({ b, l })));
    if (open.length === 0) break;
    if (realTime.remainingMs() < POLL_MS) {
      stopped = 'the real-time budget ran out before every key was gone';
      break;
    }
    await Promise.all(
      open.map(async ({ b, l }) => {
        const sent = REAL_WALL.now();
        const present = (await kv.get(name(b, l.ttl))) !== null;
        const answered = REAL_WALL.now();
        const i = indexOf(l.ttl);
        // Seen at some moment within the read; born at some moment within the put.
        if (present) l.lo = Math.max(l.lo, sent - answeredAt[b][i]);
        else l.hi = answered - sentAt[b][i];
      }),
    );
    await REAL_WALL.sleep(POLL_MS);
  }
  return { bursts: bursts.map((lives) => lives.sort((x, y) => x.ttl - y.ttl)), measured: 'real-time', refused: [...refused], ...(stopped ? { stopped } : {}) };
}

/**
 * With the provider's clock, one TTL at a time (both bursts), so that a clock which runs on in real
 * time between the kit's moves (SQLite's, Viceroy's under libfaketime) has run on for a round's few
 * round trips, not the whole probe's; and each key's age when seen gone counts that real time too.
 * Read a quarter second before and at its TTL; while it is still there, every quarter second for a
 * second, then at doubling steps up to two days.
 */
async function watchWithClock(context: CaseContext, ttls: number[], name: (burst: number, ttl: number) => string, put: (burst: number, ttl: number) => Promise<{ ok: boolean }>): Promise<Observed> {
  const { kv } = context;
  const clock = context.clock!;
  let now = 0;
  const moveTo = async (ms: number) => {
    if (ms > now) await clock.advance((ms - now) / 1000);
    now = Math.max(now, ms);
  };
  const bursts: Life[][] = [[], []];
  const refused = new Set<number>();
  let stopped: string | undefined;
  for (const ttl of ttls) {
    const putAt = [now, now + BURST_GAP_MS.clock];
    // When each put was sent, in real time: a clock that runs on between the kit's moves aged the key by that much more.
    const sentAt: number[] = [];
    const lives: Array<Life | undefined> = [];
    const putBurst = async (b: number) => {
      await moveTo(putAt[b]);
      sentAt[b] = REAL_WALL.now();
      if ((await put(b, ttl)).ok) lives[b] = { ttl, lo: 0, hi: null };
      else refused.add(ttl);
    };
    await putBurst(0);
    let second = false;
    // A fraction is also read around the whole second below it, where a store that cuts it off lets it go.
    const at = Number.isInteger(ttl) ? [ttl] : [Math.floor(ttl), ttl];
    const points = [0, 1].flatMap((b) => at.flatMap((t) => [t * 1000 - STEP_MS, t * 1000]).filter((p) => p > 0).map((p) => putAt[b] + p));
    for (;;) {
      const open = lives.flatMap((l, b) => (l && l.hi === null ? [{ l, b }] : []));
      if (open.length === 0 && second) break;
      const overdue = Math.max(-1, ...open.map(({ b }) => now - putAt[b] - ttl * 1000));
      const next = Math.min(...points.filter((p) => p > now), overdue >= 0 ? now + (overdue < FINE_MS ? STEP_MS : overdue) : Infinity);
      // The second burst is written at its time, between the first one's reads.
      if (!second && next > putAt[1]) {
        await putBurst(1);
        second = true;
        continue;
      }
      if (!Number.isFinite(next) || next - putAt[0] - ttl * 1000 > TAIL_LIMIT_MS) {
        stopped = 'some keys were still there two days after their TTL';
        break;
      }
      await moveTo(next);
      const got = await kv.batch(open.map(({ b }) => ({ op: 'get' as const, key: name(b, ttl) })));
      const ran = REAL_WALL.now();
      // Seen: at least this old by the kit's moves. Gone: at most this old, counting real time too.
      open.forEach(({ l, b }, i) => {
        if (got[i].ok && got[i].entry) l.lo = now - putAt[b];
        else l.hi = now - putAt[b] + Math.round(ran - sentAt[b]);
      });
    }
    lives.forEach((l, b) => l && bursts[b].push(l));
    if (stopped) break;
  }
  return { bursts, measured: 'controlled-clock', refused: [...refused], ...(stopped ? { stopped } : {}) };
}

/** What the lifetimes say: the smallest TTL honoured, a floor under it, what a fraction lives. */
export function readLifetimes(observed: Observed, how: string): TtlLifetimes {
  const real = observed.measured === 'real-time';
  const { bursts } = observed;
  const asked = [...new Set(bursts.flatMap((lives) => lives.map((l) => l.ttl)))].sort((a, b) => a - b);
  const life = (b: number, ttl: number) => bursts[b].find((l) => l.ttl === ttl);
  const known = (l: Life | undefined): l is Life & { hi: number } => !!l && l.hi !== null;
  const mid = (l: Life & { hi: number }) => (l.lo + l.hi) / 2;
  // With a clock, a death read to within a step: wider readings (a key found late, between sparse reads) tell nothing about company.
  const narrow = (l: Life & { hi: number }) => l.hi - l.lo <= 2 * STEP_MS;
  // Two deaths are one when their readings overlap (with a clock) or lie within a quarter second (in real time).
  const togetherIn = (b: number, x: number, y: number) => {
    const [p, q] = [life(b, x), life(b, y)];
    if (!known(p) || !known(q)) return false;
    return real ? Math.abs(mid(p) - mid(q)) <= TOGETHER_MS_REAL : narrow(p) && narrow(q) && p.lo < q.hi && q.lo < p.hi;
  };
  const apartIn = (b: number, x: number, y: number) => {
    const [p, q] = [life(b, x), life(b, y)];
    if (!known(p) || !known(q)) return false;
    return real ? Math.abs(mid(p) - mid(q)) > TOGETHER_MS_REAL : p.hi <= q.lo || q.hi <= p.lo;
  };
  // In real time one burst that shows them together is enough (a tick of the store's loop can only part
  // them); with a clock both must (a sweep that gathers keys at one moment gathers other ones 1.25 s later).
  const together = (x: number, y: number) => (real ? bursts.some((_, b) => togetherIn(b, x, y)) : bursts.every((_, b) => !known(life(b, x)) || !known(life(b, y)) || togetherIn(b, x, y)) && bursts.some((_, b) => togetherIn(b, x, y)));
  const lateMs = real ? LATE_MS_REAL : STEP_MS;

  const wholes = asked.filter((t) => t < 1 || Number.isInteger(t));
  // Raised: lived longer past its TTL than some larger TTL's key did past its own, in every burst.
  const raisedIn = (b: number, t: number) => {
    const l = life(b, t);
    if (!l) return false;
    const others = wholes.filter((u) => u > t).map((u) => life(b, u)).filter(known);
    if (others.length === 0) return false;
    const least = Math.min(...others.map((o) => o.hi - o.ttl * 1000));
    return l.lo - t * 1000 > least + lateMs;
  };
  // Gone a second or more before its TTL: a store that counts expiry in whole seconds of the epoch
  // (Workers KV) lets a key go up to a second early, and a fraction cut off is the fraction rule's.
  const earlyIn = (b: number, t: number) => {
    const l = life(b, t);
    return known(l) && l.hi < t * 1000 - 1000;
  };
  const every = (test: (b: number, t: number) => boolean, t: number) => bursts.every((lives, b) => !lives.some((l) => l.ttl === t) || test(b, t));
  const seen = (t: number) => bursts.some((_, b) => known(life(b, t)));
  const honoured = wholes.find((t) => seen(t) && !every(raisedIn, t) && !every(earlyIn, t)) ?? null;

  const result: TtlLifetimes = { honoured, asked, measured: observed.measured, how, ...(real ? { resolutionMs: LATE_MS_REAL } : {}) };
  if (observed.stopped) result.stopped = observed.stopped;

  const below = honoured === null ? [] : asked.filter((t) => t < honoured);
  if (honoured !== null && below.length > 0) {
    // The age at which the keys under the honoured TTL die, in each burst (when they die together):
    // the same in both bursts for a floor, different for expiry that gathers keys at one moment (a sweep).
    const at = (l: Life & { hi: number }) => (real ? mid(l) : l.hi);
    const spread = real ? AGE_MS_REAL : 2 * STEP_MS;
    const ends = below.map((t) => life(0, t)).filter(known).map((l) => l.hi);
    const common = real ? commonAgeReal() : commonAgeClock();
    // A floor only where its age is pinned: keys read too sparsely (a minute late) say only that they lived longer.
    const floor = common && common.hi - common.lo <= spread ? common : undefined;
    if (floor) {
      const withHonoured = bursts.some((_, b) => {
        const h = life(b, honoured);
        return known(h) && (real ? Math.abs(at(h) - floor.age) <= spread : h.lo < floor.hi && floor.lo < h.hi);
      });
      result.floor = { from: below[0], to: below[below.length - 1], lives: withHonoured ? honoured : floor.age / 1000 };
    } else if (ends.length) result.raised = { from: below[0], to: below[below.length - 1], upTo: Math.max(...ends) / 1000, ...(common ? {} : { varying: true as const }) };

    /** In real time: the keys under the honoured TTL die together in each burst, and at the same age in both (a floor; a sweep gathers them at one moment instead). */
    function commonAgeReal(): { age: number; lo: number; hi: number } | undefined {
      // (Each burst's keys die within a tick of each other; the two bursts' ages agree as closely.)
      const ages = bursts.map((_, b) => {
        const lives = below.map((t) => life(b, t));
        if (!lives.every(known)) return null;
        const xs = lives.map(at);
        return Math.max(...xs) - Math.min(...xs) <= spread ? xs.reduce((sum, x) => sum + x, 0) / xs.length : null;
      });
      const found = ages.filter((a): a is number => a !== null);
      if (found.length !== bursts.length || Math.max(...found) - Math.min(...found) > spread) return undefined;
      const age = Math.round(found.reduce((sum, a) => sum + a, 0) / found.length / 100) * 100;
      return { age, lo: Math.min(...found), hi: Math.max(...found) };
    }
    /** With a clock: one age at which every key under the honoured TTL, in both bursts, can have died. */
    function commonAgeClock(): { age: number; lo: number; hi: number } | undefined {
      const lives = bursts.flatMap((_, b) => below.map((t) => life(b, t)));
      if (!lives.every(known)) return undefined;
      const lo = Math.max(...lives.map((l) => l!.lo));
      const hi = Math.min(...lives.map((l) => (l as Life & { hi: number }).hi));
      // The age on the quarter seconds the reads fall on (a clock that runs on adds a few ms to the last).
      return lo < hi ? { age: Math.round(hi / STEP_MS) * STEP_MS, lo, hi } : undefined;
    }
  }

  // A fraction past the honoured TTL, between two whole seconds asked: the largest (59.5 s, the contract's own example, when asked).
  const fraction = [...asked]
    .reverse()
    .find((f) => !Number.isInteger(f) && f > 1 && honoured !== null && Math.floor(f) >= honoured && asked.includes(Math.floor(f)) && asked.includes(Math.ceil(f)) && seen(f));
  if (fraction !== undefined) {
    const [down, up] = [Math.floor(fraction), Math.ceil(fraction)];
    const apart = (x: number, y: number) => bursts.every((_, b) => apartIn(b, x, y));
    const rule = together(fraction, down) ? 'truncated' : together(fraction, up) ? 'rounded up' : apart(fraction, down) && apart(fraction, up) ? 'kept' : undefined;
    if (rule) result.fraction = { asked: fraction, lived: rule === 'truncated' ? down : rule === 'rounded up' ? up : fraction, rule };
  }
  return result;
}

/** The life of the key with TTL `ttl` in the first burst that saw it gone. */
export function lifeOf(observed: Observed, ttl: number): Life | undefined {
  for (const lives of observed.bursts) {
    const l = lives.find((x) => x.ttl === ttl && x.hi !== null);
    if (l) return l;
  }
  return undefined;
}
