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
/** In real time, two deaths closer than this count as one. */
const TOGETHER_MS_REAL = 250;
/** In real time, a reading is evidence when the key was seen and then seen gone within this (a tick of etcd's loop and a read). */
const NARROW_MS_REAL = 600;
/** A key honours its TTL when it goes no later than this past the typical lateness of larger TTLs (a floor outlives it by a second or more). */
const LATE_MS = 500;

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
  /** A key being watched: its life, which try it is on (a key read too sparsely is written again), when its put was sent and answered. */
  interface Watched {
    b: number;
    life: Life;
    tries: number;
    sent: number;
    answered: number;
  }
  const watched: Watched[] = [];
  const write = async (w: Watched) => {
    w.sent = REAL_WALL.now();
    const result = await attempt(() => kv.put(`${name(w.b, w.life.ttl)}-${w.tries}`, new Uint8Array([1]), { ttlSeconds: w.life.ttl }));
    w.answered = REAL_WALL.now();
    return result.ok;
  };
  for (let b = 0; b < 2; b++) {
    if (b > 0) await REAL_WALL.sleep(BURST_GAP_MS.realTime);
    // Side by side, so the keys of a burst start their lives within a few milliseconds of each other.
    await Promise.all(
      fit.map(async (ttl) => {
        const w: Watched = { b, life: { ttl, lo: 0, hi: null }, tries: 0, sent: 0, answered: 0 };
        if (await write(w)) watched.push(w);
        else refused.add(ttl);
      }),
    );
  }
  let stopped: string | undefined;
  for (;;) {
    const open = watched.filter((w) => w.life.hi === null);
    if (open.length === 0) break;
    if (realTime.remainingMs() < POLL_MS) {
      stopped = 'the real-time budget ran out before every key was gone';
      break;
    }
    await Promise.all(
      open.map(async (w) => {
        const sent = REAL_WALL.now();
        const present = (await kv.get(`${name(w.b, w.life.ttl)}-${w.tries}`)) !== null;
        const answered = REAL_WALL.now();
        const { life } = w;
        // Seen at some moment within the read; born at some moment within the put.
        if (present) life.lo = Math.max(life.lo, sent - w.answered);
        else life.hi = answered - w.sent;
        // Read too sparsely (the store stalled): written again while there is time, up to three times.
        if (life.hi !== null && life.hi - life.lo > NARROW_MS_REAL && w.tries < 3 && life.ttl * 1000 + 2000 < realTime.remainingMs()) {
          const before = { ...life };
          w.tries++;
          Object.assign(life, { lo: 0, hi: null });
          if (!(await write(w))) Object.assign(life, before);
        }
      }),
    );
    await REAL_WALL.sleep(POLL_MS);
  }
  const bursts = [0, 1].map((b) => watched.filter((w) => w.b === b).map((w) => w.life).sort((x, y) => x.ttl - y.ttl));
  return { bursts, measured: 'real-time', refused: [...refused], ...(stopped ? { stopped } : {}) };
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

/**
 * What the lifetimes say: the smallest TTL honoured, a floor under it, what a fraction lives. Only
 * narrow readings are evidence (a key seen and then seen gone within half a second): a store that
 * stalls under a burst of writes, or a key read sparsely because it went a minute late, says only
 * what it proves, and a claim the readings cannot carry is left out.
 */
export function readLifetimes(observed: Observed, how: string): TtlLifetimes {
  const real = observed.measured === 'real-time';
  const { bursts } = observed;
  const asked = [...new Set(bursts.flatMap((lives) => lives.map((l) => l.ttl)))].sort((a, b) => a - b);
  type Read = Life & { hi: number };
  const life = (b: number, ttl: number) => bursts[b].find((l) => l.ttl === ttl);
  const known = (l: Life | undefined): l is Read => !!l && l.hi !== null;
  const width = real ? NARROW_MS_REAL : 2 * STEP_MS;
  const narrow = (l: Life | undefined): l is Read => known(l) && l.hi - l.lo <= width;
  const mid = (l: Read) => (l.lo + l.hi) / 2;
  const late = (l: Read) => mid(l) - l.ttl * 1000;
  // Two deaths are one when their readings overlap (with a clock) or lie within a quarter second (in real time).
  const togetherIn = (b: number, x: number, y: number) => {
    const [p, q] = [life(b, x), life(b, y)];
    if (!narrow(p) || !narrow(q)) return false;
    return real ? Math.abs(mid(p) - mid(q)) <= TOGETHER_MS_REAL : p.lo < q.hi && q.lo < p.hi;
  };
  const apartIn = (b: number, x: number, y: number) => {
    const [p, q] = [life(b, x), life(b, y)];
    if (!narrow(p) || !narrow(q)) return false;
    return real ? Math.abs(mid(p) - mid(q)) > TOGETHER_MS_REAL : p.hi <= q.lo || q.hi <= p.lo;
  };
  // In real time one burst that shows them together is enough (a tick of the store's loop can only part
  // them); with a clock, no burst may part them (a sweep that gathers keys at one moment gathers others 1.25 s later).
  const together = (x: number, y: number) => bursts.some((_, b) => togetherIn(b, x, y)) && (real || !bursts.some((_, b) => apartIn(b, x, y)));
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];

  // Honoured: gone no later past its TTL than the larger TTLs' keys are past theirs (a key raised to a
  // floor outlives its TTL by a second or more), and never a second early (a store that counts expiry
  // in whole seconds of the epoch, as Workers KV does, lets a key go up to a second early). With a
  // clock, unless proven raised: a key's last sighting is exact (no time passes between the kit's
  // moves), only the reads after it may be sparse. In real time, only when proven, by narrow readings:
  // a store that stalls under a burst of writes leaves a key unread for seconds.
  const wholes = asked.filter((t) => t < 1 || Number.isInteger(t));
  const larger = (b: number, t: number) => wholes.filter((u) => u > t).map((u) => life(b, u));
  const raisedIn = (b: number, t: number) => {
    const l = life(b, t);
    const others = larger(b, t).filter(known);
    return !!l && others.length > 0 && l.lo - t * 1000 > Math.min(...others.map((o) => o.hi - o.ttl * 1000)) + LATE_MS;
  };
  const provenIn = (b: number, t: number) => {
    const l = life(b, t);
    const others = larger(b, t).filter(narrow);
    if (!known(l)) return false;
    return others.length === 0 ? narrow(l) : l.hi - t * 1000 <= median(others.map(late)) + LATE_MS;
  };
  const early = (t: number) => bursts.some((_, b) => {
    const l = life(b, t);
    return known(l) && l.hi < t * 1000 - 1000;
  });
  const seen = (t: number) => bursts.some((_, b) => known(life(b, t)));
  const honoured =
    wholes.find((t) => seen(t) && !early(t) && (real ? bursts.some((_, b) => provenIn(b, t)) : !bursts.every((lives, b) => !lives.some((l) => l.ttl === t) || raisedIn(b, t)))) ?? null;

  const result: TtlLifetimes = { honoured, asked, measured: observed.measured, how, ...(real ? { resolutionMs: LATE_MS } : {}) };
  if (observed.stopped) result.stopped = observed.stopped;

  const below = honoured === null ? [] : asked.filter((t) => t < honoured);
  const ends = below.map((t) => life(0, t)).filter(known).map((l) => l.hi);
  if (honoured !== null && ends.length > 0) {
    // The age at which the keys under the honoured TTL die: one age for all of them, in every burst, is a
    // floor; ages no one floor explains are late expiry gathering keys at one moment (a sweep), not a
    // floor; readings too sparse to pin one age say only that they lived longer.
    const common = real ? commonAgeReal() : commonAgeClock();
    if (common && common !== 'varying') {
      const withHonoured = below.every((t) => together(t, honoured));
      result.floor = { from: below[0], to: below[below.length - 1], lives: withHonoured ? honoured : common / 1000 };
    } else {
      result.raised = { from: below[0], to: below[below.length - 1], upTo: Math.max(...ends) / 1000, ...(common === 'varying' ? { varying: true as const } : {}) };
    }
  }

  /** In real time, from the bursts whose keys were all read narrowly: one age in each, the same in all; to a tenth of a second. */
  function commonAgeReal(): number | 'varying' | undefined {
    const ages = bursts.flatMap((_, b) => {
      const lives = below.map((t) => life(b, t));
      if (!lives.every(narrow)) return [];
      const xs = lives.map((l) => mid(l as Read));
      return [Math.max(...xs) - Math.min(...xs) <= width ? xs.reduce((sum, x) => sum + x, 0) / xs.length : NaN];
    });
    if (ages.length === 0) return undefined;
    if (ages.some(Number.isNaN) || Math.max(...ages) - Math.min(...ages) > width) return 'varying';
    return Math.round(ages.reduce((sum, x) => sum + x, 0) / ages.length / 100) * 100;
  }
  /** With a clock, an age at which every key under the honoured TTL, in both bursts, can have died; on the quarter seconds the reads fall on. */
  function commonAgeClock(): number | 'varying' | undefined {
    const lives = bursts.flatMap((_, b) => below.map((t) => life(b, t))).filter(known);
    if (lives.length === 0) return undefined;
    const lo = Math.max(...lives.map((l) => l.lo));
    const hi = Math.min(...lives.map((l) => l.hi));
    if (lo >= hi) return 'varying';
    return hi - lo <= width ? Math.round(hi / STEP_MS) * STEP_MS : undefined;
  }

  // A fraction past the honoured TTL, between two whole seconds asked: the largest (59.5 s, the contract's own example, when asked).
  const fraction = [...asked]
    .reverse()
    .find((f) => !Number.isInteger(f) && f > 1 && honoured !== null && Math.floor(f) >= honoured && asked.includes(Math.floor(f)) && asked.includes(Math.ceil(f)));
  if (fraction !== undefined) {
    const [down, up] = [Math.floor(fraction), Math.ceil(fraction)];
    const apart = (x: number, y: number) => bursts.some((_, b) => apartIn(b, x, y)) && !bursts.some((_, b) => togetherIn(b, x, y));
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
