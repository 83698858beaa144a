// What the canvas shows, reconciled from a snapshot and live deltas by sequence number
// (docs/protocol.md, "Reconciliation"), with optimistic pixels drawn above everything.
// Pure: no DOM, no timers, no network. The page feeds it and repaints what it reports changed.

export const PLACE_TIMEOUT_MS = 10000;
const MAX_EARLY = 200000;
const MAX_LATE = 64; // timed-out placements remembered for a late answer (as the native engine)

export class CanvasState {
  // onChange(index) is called for every pixel whose displayed colour may have changed, and
  // onChange(-1) when everything did (a new snapshot).
  constructor(onChange = () => {}) {
    this.onChange = onChange;
    this.width = 0;
    this.height = 0;
    this.baseSeq = -1;      // seq of the snapshot in use; -1: none yet
    this.shown = null;      // Uint8Array: colour under the optimistic layer
    this.pixelSeq = null;   // Float64Array: seq that set each pixel (base pixels: baseSeq)
    this.overlay = new Map(); // index -> { seq, color }: newest delta a pixel got after the base
    this.early = [];        // deltas received before any snapshot gave us the size
    this.lastSeq = null;    // L: last seq covered by the batches applied on this stream
    this.needSeq = 0;       // a snapshot must reach this seq to cover a known gap
    this.pending = new Map(); // requestId -> { index, color, at }
    this.late = new Map();    // requestId -> the same, rolled back for no answer in time
  }

  get ready() {
    return this.baseSeq >= 0;
  }

  // The colour the page shows at (x, y): an optimistic pixel if one is pending there, else the
  // reconciled colour. -1 outside the canvas or before the first snapshot.
  colorAt(x, y) {
    if (!this.ready || x < 0 || y < 0 || x >= this.width || y >= this.height) return -1;
    return this.displayed(y * this.width + x);
  }

  displayed(index) {
    let top = null;
    for (const p of this.pending.values()) if (p.index === index) top = p; // newest wins
    return top ? top.color : this.shown[index];
  }

  // The sequence number of what (x, y) shows underneath any optimistic pixel.
  seqAt(x, y) {
    if (!this.ready || x < 0 || y < 0 || x >= this.width || y >= this.height) return -1;
    return this.pixelSeq[y * this.width + x];
  }

  // A (re)connected stream's init message says the server is at `seq`. Returns true when the
  // client must fetch a snapshot reaching `seq` to be complete (it always should after a
  // reconnect; this tells whether deltas were certainly missed).
  streamStart(seq) {
    if (this.lastSeq !== null && seq < this.lastSeq) {
      // The server's history is behind ours (a different or reset canvas): start over.
      this.overlay.clear();
      this.early = [];
      this.lastSeq = seq;
      this.needSeq = seq;
      this.baseSeq = this.ready ? -2 : -1; // accept the next snapshot whatever its seq
      return true;
    }
    const missed = this.lastSeq === null || seq > this.lastSeq;
    this.lastSeq = this.lastSeq === null ? seq : Math.max(this.lastSeq, seq);
    this.needSeq = Math.max(this.needSeq, seq);
    return missed;
  }

  // Applies a decoded batch frame. Returns { gap } — true when frames were lost before this one
  // (prevSeq beyond what we have): the caller must fetch a snapshot reaching this.needSeq.
  applyBatch(batch) {
    let gap = false;
    if (this.lastSeq !== null && batch.prevSeq > this.lastSeq) {
      gap = true;
      this.needSeq = Math.max(this.needSeq, batch.prevSeq);
    }
    for (const r of batch.records) this.applyDelta(r.x, r.y, r.color, r.seq);
    this.lastSeq = this.lastSeq === null ? batch.lastSeq : Math.max(this.lastSeq, batch.lastSeq);
    return { gap };
  }

  // The server told us to resync: everything up to `seq` must come from a snapshot.
  resync(seq) {
    this.needSeq = Math.max(this.needSeq, seq || 0);
    if (this.lastSeq === null || seq > this.lastSeq) this.lastSeq = seq;
  }

  // One placement known to have sequence number `seq`.
  applyDelta(x, y, color, seq) {
    if (color < 0 || color > 15) return;
    if (!this.ready && this.baseSeq === -1) {
      if (this.early.length >= MAX_EARLY) {
        // far too much traffic before the first snapshot: let the snapshot cover all of it
        this.early = [];
        this.needSeq = Math.max(this.needSeq, this.lastSeq || 0);
      }
      this.early.push({ x, y, color, seq });
      return;
    }
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = y * this.width + x;
    const prev = this.overlay.get(i);
    if (!prev || prev.seq < seq) this.overlay.set(i, { seq, color });
    if (this.ready && seq > this.pixelSeq[i]) {
      this.shown[i] = color;
      this.pixelSeq[i] = seq;
      this.onChange(i);
    }
  }

  // Installs a decoded snapshot. Returns { applied, stale }: applied is false when the snapshot
  // is older than the base in use (it is ignored); stale is true when it does not yet reach a
  // known gap's end (fetch again shortly).
  applySnapshot(snap) {
    const reset = this.baseSeq === -2;
    if (this.ready && !reset && snap.seq < this.baseSeq) {
      // the base in use decides whether a known gap is still open (the native engine's rule)
      return { applied: false, stale: this.baseSeq < this.needSeq };
    }
    const sizeChanged = snap.width !== this.width || snap.height !== this.height;
    this.width = snap.width;
    this.height = snap.height;
    const n = snap.width * snap.height;
    if (sizeChanged || !this.shown) {
      // overlay indices were computed for the old width: they no longer name the same pixels
      if (this.shown) this.overlay.clear();
      this.shown = new Uint8Array(n);
      this.pixelSeq = new Float64Array(n);
    }
    this.shown.set(snap.pixels);
    this.pixelSeq.fill(snap.seq);
    this.baseSeq = snap.seq;
    for (const d of this.early) {
      if (d.x < snap.width && d.y < snap.height) {
        const i = d.y * snap.width + d.x;
        const prev = this.overlay.get(i);
        if (!prev || prev.seq < d.seq) this.overlay.set(i, { seq: d.seq, color: d.color });
      }
    }
    this.early = [];
    for (const [i, d] of this.overlay) {
      if (d.seq <= snap.seq || i >= n) {
        this.overlay.delete(i);
      } else {
        this.shown[i] = d.color;
        this.pixelSeq[i] = d.seq;
      }
    }
    this.onChange(-1);
    return { applied: true, stale: snap.seq < this.needSeq };
  }

  // Shows `color` at (x, y) at once, above everything, until confirm() or reject(requestId).
  addPending(requestId, x, y, color, now) {
    const index = y * this.width + x;
    this.pending.set(requestId, { index, x, y, color, at: now });
    this.onChange(index);
  }

  hasPending() {
    return this.pending.size > 0;
  }

  // The server stored the placement as `seq`: it becomes an ordinary delta (also when it was
  // rolled back for no answer in time: stored is stored, and its seq keeps newer pixels on top).
  confirm(requestId, seq) {
    const p = this.pending.get(requestId) || this.late.get(requestId);
    if (!p) return null;
    this.pending.delete(requestId);
    this.late.delete(requestId);
    this.applyDelta(p.x, p.y, p.color, seq);
    this.onChange(p.index);
    return p;
  }

  // The placement failed: the pixel goes back to what it shows underneath. timedOut: no answer
  // came in time; the server may still have stored it, and a late confirm() lands it.
  reject(requestId, timedOut = false) {
    const p = this.pending.get(requestId);
    if (!p) return null;
    this.pending.delete(requestId);
    if (timedOut) {
      if (this.late.size >= MAX_LATE) this.late.delete(this.late.keys().next().value);
      this.late.set(requestId, p);
    }
    this.onChange(p.index);
    return p;
  }

  // Request ids pending for longer than timeoutMs at time `now` (the caller rejects them).
  expired(now, timeoutMs = PLACE_TIMEOUT_MS) {
    const out = [];
    for (const [id, p] of this.pending) if (now - p.at >= timeoutMs) out.push(id);
    return out;
  }
}
