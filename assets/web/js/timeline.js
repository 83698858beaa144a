// The canvas through time: a canvas of its own, brought to any sequence number from a snapshot
// at that seq (GET /api/v1/canvas/snapshot?seq=) and the history stream (GET /api/v1/history,
// one batch frame an answer). The same machine as the native clients' (common/src/client_time.c):
// pure, no DOM, no timers, no network; it says which request to make next and takes the
// answers, so the live canvas (CanvasState) is never touched by travelling through time.
// Also the heatmap decoder (GET /api/v1/canvas/heatmap).

export const STEPS = 100;              // `,` `.` move 1/100 of the history; `<` `>` ten times
export const TICK_MS = 100;            // playing at 1x: one step every this many ms
export const HISTORY_LIMIT = 5000;     // placements asked for in one history request
export const FORWARD_MAX = 20000;      // further ahead than this: a snapshot is cheaper
export const SPEEDS = [1, 2, 4, 8, 16];
const MAX_FAILURES = 3;

export class Timeline {
  constructor() {
    this.active = false;
    this.width = 0;
    this.height = 0;
    this.pixels = null;     // Uint8Array: the canvas at seq
    this.have = false;
    this.seq = 0;
    this.timeMs = -1;       // when placement seq was made; 0: not known yet (asked); -1: none
    this.haveInfo = false;
    this.firstSeq = 0;
    this.firstTime = 0;
    this.newest = 0;
    this.target = 0;
    this.playing = false;
    this.speed = 1;
    this.nextTick = 0;
    this.out = null;        // the request out
    this.failures = 0;
    this.version = 0;
  }

  get min() {
    return this.firstSeq > 0 ? this.firstSeq - 1 : 0;
  }

  get step() {
    const span = Math.max(0, this.newest - this.min);
    return Math.max(1, Math.ceil(span / STEPS));
  }

  get loading() {
    return this.active && (!this.have || this.seq !== this.target || !!this.out)
      && this.failures < MAX_FAILURES;
  }

  get failed() {
    return this.failures >= MAX_FAILURES;
  }

  clamp(seq) {
    return Math.min(this.newest, Math.max(this.min, seq));
  }

  enter(newest) {
    this.active = true;
    this.playing = false;
    this.failures = 0;
    this.have = false; // a moment left behind earlier is not shown again: the live canvas until
    this.setNewest(newest); // the newest moment has arrived
    this.target = this.newest;
    if (!this.firstSeq) this.haveInfo = false; // nothing placed when last asked: ask again
  }

  leave() {
    this.active = false;
    this.playing = false;
  }

  setNewest(seq) {
    if (seq > this.newest) this.newest = seq;
  }

  stepBy(n) {
    if (n < 0) this.playing = false;
    this.target = this.clamp(this.target + n * this.step);
    this.failures = 0;
    return this.target;
  }

  seek(seq) {
    this.target = this.clamp(Math.round(seq));
    this.failures = 0;
    return this.target;
  }

  play(on, now) {
    this.playing = !!on && this.active;
    if (!this.playing) return;
    if (this.target >= this.newest) this.target = this.min; // at the end: from the start
    this.failures = 0;
    this.nextTick = now + TICK_MS;
  }

  // Playing: moves the target on when a tick is due and the previous step has arrived. Returns
  // true when playing reached the newest seq now (and stopped).
  tick(now) {
    if (!this.active || !this.playing || now < this.nextTick) return false;
    if (this.out || !this.have || this.seq !== this.target) return false;
    if (this.target >= this.newest) {
      this.playing = false;
      return true;
    }
    this.target = this.clamp(this.target + this.step * this.speed);
    this.nextTick = now + TICK_MS;
    return false;
  }

  // The next request ({ kind: 'info' | 'snapshot' | 'history', seq, from, limit }) or null.
  next() {
    if (!this.active || this.out || this.failures >= MAX_FAILURES) return null;
    let r = null;
    if (!this.haveInfo) {
      r = { kind: 'info' };
    } else if (!this.have || this.target < this.seq || this.target - this.seq > FORWARD_MAX) {
      r = { kind: 'snapshot', seq: this.target };
    } else if (this.target > this.seq) {
      r = { kind: 'history', from: this.seq, limit: Math.min(HISTORY_LIMIT, this.target - this.seq) };
    } else if (this.timeMs === 0 && this.seq > 0 && this.seq >= this.firstSeq) {
      r = { kind: 'history', from: this.seq - 1, limit: 1 }; // the placement at seq, for its time
    }
    this.out = r;
    return r;
  }

  static url(r) {
    if (r.kind === 'info') return '/api/v1/canvas/info';
    if (r.kind === 'snapshot') return `/api/v1/canvas/snapshot?seq=${r.seq}`;
    return `/api/v1/history?from=${r.from}&limit=${r.limit}`;
  }

  onInfo(info) {
    this.out = null;
    this.firstSeq = Number(info.firstSeq) || 0;
    this.firstTime = Number(info.firstTime) || 0;
    this.setNewest(Number(info.seq) || 0);
    this.haveInfo = true;
    this.failures = 0;
    this.target = this.clamp(this.target);
  }

  // A decoded snapshot ({ width, height, seq, pixels }). Returns true (the canvas changed).
  onSnapshot(snap) {
    const asked = this.out;
    this.out = null;
    this.width = snap.width;
    this.height = snap.height;
    this.pixels = snap.pixels;
    this.have = true;
    this.failures = 0;
    this.setNewest(snap.seq);
    if (!asked || snap.seq !== asked.seq) this.target = this.clamp(snap.seq);
    this.seq = snap.seq;
    this.timeMs = snap.seq === 0 || snap.seq < this.firstSeq ? -1 : 0;
    this.version++;
    return true;
  }

  // A decoded history frame ({ prevSeq, lastSeq, time, records }) and the X-Place-Seq header.
  // Returns true when the canvas changed.
  onHistory(batch, newest = 0) {
    const asked = this.out || {};
    this.out = null;
    if (!this.have) return false;
    this.failures = 0;
    this.setNewest(Math.max(newest, batch.lastSeq));
    if (batch.prevSeq > this.seq) {
      this.have = false; // a gap between what we show and the stream: start from a snapshot
      return false;
    }
    if (batch.lastSeq <= this.seq) {
      if (asked.limit === 1 && batch.lastSeq === this.seq && batch.records.length) this.timeMs = batch.time;
      else if (asked.from === this.seq && this.target > this.seq) this.target = this.seq; // no more
      if (this.timeMs === 0 && asked.limit === 1) this.timeMs = -1;
      return false;
    }
    const upto = Math.max(this.target, this.seq);
    let changed = false;
    let cut = false;
    for (const r of batch.records) {
      if (r.seq <= this.seq) continue;
      if (r.seq > upto) {
        cut = true;
        break;
      }
      if (r.x < this.width && r.y < this.height) {
        this.pixels[r.y * this.width + r.x] = r.color & 15;
        changed = true;
      }
    }
    const reached = Math.min(batch.lastSeq, upto);
    this.seq = reached;
    this.timeMs = !cut && reached === batch.lastSeq ? batch.time : 0;
    if (changed) this.version++;
    return changed;
  }

  // The server was busy (503): the request may be made again later, no failure counted.
  onBusy() {
    this.out = null;
  }

  // The request out failed; newest: the answer's X-Place-Seq (0: none). A snapshot asked
  // beyond the server's history (it is behind the live canvas) moves the target back instead.
  onFailed(newest = 0) {
    const asked = this.out;
    this.out = null;
    if (asked && asked.kind === 'snapshot' && newest > 0 && newest < asked.seq) {
      this.newest = newest;
      this.target = this.clamp(this.target);
      return;
    }
    this.failures++;
  }

  // What the board draws in time mode: the CanvasState shape it reads.
  colorAt(x, y) {
    if (!this.have || x < 0 || y < 0 || x >= this.width || y >= this.height) return -1;
    return this.pixels[y * this.width + x];
  }
}

// A read-only view of a Timeline with the interface Board draws from (CanvasState's).
export class TimeState {
  constructor(timeline) {
    this.t = timeline;
    this.pending = new Map();
  }

  get ready() { return this.t.have; }
  get width() { return this.t.width; }
  get height() { return this.t.height; }
  get shown() { return this.t.pixels; }
  displayed(i) { return this.t.pixels ? this.t.pixels[i] : -1; }
  colorAt(x, y) { return this.t.colorAt(x, y); }
}

// Decodes a heatmap body (docs/protocol.md, "The heatmap"): { block, width, height, cols, rows,
// since, fromSeq, toSeq, max, cells: Uint16Array }. Throws on anything malformed.
export function decodeHeatmap(buf) {
  const v = buf instanceof ArrayBuffer ? new DataView(buf) : new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (v.byteLength < 56) throw new Error('heatmap too short');
  const magic = String.fromCharCode(v.getUint8(0), v.getUint8(1), v.getUint8(2), v.getUint8(3));
  if (magic !== 'PLCH' || v.getUint8(4) !== 1 || v.getUint8(5) !== 2) throw new Error('not a Place heatmap');
  const block = v.getUint16(6, true);
  const width = v.getUint32(8, true);
  const height = v.getUint32(12, true);
  const cols = v.getUint32(16, true);
  const rows = v.getUint32(20, true);
  if (!block || block > 256 || (block & (block - 1)) || !width || !height
      || cols !== Math.ceil(width / block) || rows !== Math.ceil(height / block)) {
    throw new Error('heatmap sizes do not add up');
  }
  if (v.byteLength !== 56 + 2 * cols * rows) throw new Error('heatmap length does not match');
  const cells = new Uint16Array(cols * rows);
  let max = 0;
  for (let i = 0; i < cells.length; i++) {
    cells[i] = v.getUint16(56 + 2 * i, true);
    if (cells[i] > max) max = cells[i];
  }
  const u64 = (o) => v.getUint32(o, true) + v.getUint32(o + 4, true) * 0x100000000;
  return {
    block, width, height, cols, rows, since: u64(24), fromSeq: u64(32), toSeq: u64(40), max, cells,
  };
}

// The overlay's colour of a cell with count k of the busiest's max: transparent for none, else
// from yellow (few) to red (most), more opaque the busier. [r, g, b, a] with a in 0..255.
export function heatColor(k, max) {
  if (!k || !max) return [0, 0, 0, 0];
  const t = Math.min(1, k / max);
  return [255, Math.round(215 * (1 - t)), 0, Math.round(255 * (0.55 + 0.4 * t))];
}
