// Reconnect delays (docs: 1 s, 2 s, 4 s, then 8–30 s, each plus 0–1 s of jitter), reset once a
// connection has stayed up long enough to count as stable. Pure: the random source is injected.

export const STABLE_AFTER_MS = 10000;

export class Backoff {
  constructor(random = Math.random) {
    this.random = random;
    this.attempt = 0;
  }

  // The delay in ms before the next reconnect attempt; each call counts one attempt.
  next() {
    const a = this.attempt++;
    let base;
    if (a < 3) base = 1000 * 2 ** a;           // 1 s, 2 s, 4 s
    else base = Math.min(30000, 8000 * 2 ** (a - 3)); // 8 s, 16 s, 30 s, 30 s...
    return base + Math.floor(this.random() * 1000);
  }

  // Call when a connection has been open for `uptimeMs` and closes (or periodically while open):
  // a stable connection resets the sequence to 1 s.
  connectedFor(uptimeMs) {
    if (uptimeMs >= STABLE_AFTER_MS) this.attempt = 0;
  }

  reset() {
    this.attempt = 0;
  }
}

// A jittered delay between lo and hi ms (the periodic snapshot refresh).
export function jitter(lo, hi, random = Math.random) {
  return lo + Math.floor(random() * (hi - lo));
}
