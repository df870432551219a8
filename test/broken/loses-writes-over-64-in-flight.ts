/** Drops a put that arrives while 64 others are still in flight (a store whose write queue overflows silently). */
import { brokenProvider } from './base.ts';

export const MAX_IN_FLIGHT = 64;

export default brokenProvider('loses-writes-over-64-in-flight', `drops writes beyond ${MAX_IN_FLIGHT} in flight`, (model) => {
  let inFlight = 0;
  return {
    async put(key, value, options) {
      if (inFlight >= MAX_IN_FLIGHT) return;
      inFlight++;
      try {
        // A write takes a turn of the event loop, so concurrent callers overlap as they would on a real store.
        await new Promise((resolve) => setImmediate(resolve));
        model.put(key, value, options);
      } finally {
        inFlight--;
      }
    },
  };
});
