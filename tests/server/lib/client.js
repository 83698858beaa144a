// A small WebSocket/HTTP client for the tests, written from docs/protocol.md alone: JSON text
// messages, the binary batch frame and the snapshot format are decoded here, not by libplace.
import http from 'node:http';
import zlib from 'node:zlib';
import WebSocket from 'ws';

// Decodes a batch frame (docs/protocol.md, "The batch frame"), version 2: 5-byte records, a
// pixel (kind 0) takes the next seq, a skip (kind 1) uses up n seqs. Throws on anything malformed.
export function decodeBatch(buf) {
  const b = Buffer.from(buf);
  if (b.length < 32 || b[0] !== 0x01 || b[1] !== 2) throw new Error('not a batch frame');
  const count = b.readUInt32LE(4);
  const prevSeq = b.readBigUInt64LE(8);
  const lastSeq = b.readBigUInt64LE(16);
  const time = Number(b.readBigInt64LE(24));
  if (b.length !== 32 + 5 * count) throw new Error(`batch length ${b.length} for ${count} records`);
  if (lastSeq < prevSeq) throw new Error(`lastSeq ${lastSeq} < prevSeq ${prevSeq}`);
  const pixels = [];
  let seq = prevSeq;
  for (let i = 0; i < count; i++) {
    const o = 32 + 5 * i;
    const kind = b[o + 4] >> 4;
    if (kind === 0) {
      seq += 1n;
      if (seq > lastSeq) throw new Error(`record ${i}: seq ${seq} beyond lastSeq ${lastSeq}`);
      pixels.push({ seq: Number(seq), x: b.readUInt16LE(o), y: b.readUInt16LE(o + 2), color: b[o + 4] & 0x0f });
    } else if (kind === 1) {
      const n = BigInt(b.readUInt32LE(o));
      if (n === 0n || (b[o + 4] & 0x0f) || i === count - 1 || seq + n > lastSeq) {
        throw new Error(`record ${i}: bad skip of ${n}`);
      }
      seq += n;
    } else {
      throw new Error(`record ${i}: unknown kind ${kind}`);
    }
  }
  return { prevSeq: Number(prevSeq), lastSeq: Number(lastSeq), time, pixels, bytes: b.length };
}

// Decodes a snapshot body (already un-gzipped).
export function decodeSnapshot(buf) {
  const b = Buffer.from(buf);
  if (b.toString('latin1', 0, 4) !== 'PLCS' || b[4] !== 1 || b[5] !== 4) throw new Error('bad snapshot');
  const width = b.readUInt32LE(8);
  const height = b.readUInt32LE(12);
  const seq = Number(b.readBigUInt64LE(16));
  const px = b.subarray(24);
  if (px.length !== Math.ceil((width * height) / 2)) throw new Error('bad snapshot length');
  return {
    width, height, seq,
    get(x, y) {
      const i = y * width + x;
      const v = px[i >> 1];
      return i & 1 ? v & 0x0f : v >> 4;
    },
  };
}

// GET the snapshot (gzip accepted) and decode it.
export async function fetchSnapshot(base, headers = {}) {
  const res = await fetch(`${base}/api/v1/canvas/snapshot`, { headers: { 'accept-encoding': 'gzip', ...headers } });
  if (res.status !== 200) throw new Error(`snapshot status ${res.status}`);
  // fetch undoes gzip itself
  const body = Buffer.from(await res.arrayBuffer());
  return { res, snap: decodeSnapshot(body) };
}

export function gunzip(buf) {
  return zlib.gunzipSync(buf);
}

// The session token from a Set-Cookie header.
export function tokenFrom(res) {
  const c = res.headers.get('set-cookie') || '';
  const m = c.match(/place_session=([0-9a-f]{64})/);
  return m ? m[1] : null;
}

// A WebSocket client that records everything it receives and lets a test wait for a message.
export class Client {
  // opts.localAddress: the loopback address to connect from (127.0.0.2 is another player);
  // opts.headers: extra request headers (e.g. X-Forwarded-For); opts.origin: an Origin header.
  constructor(url, token, opts = {}) {
    const headers = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(opts.headers || {}) };
    const wsOpts = { headers };
    if (opts.localAddress) wsOpts.localAddress = opts.localAddress;
    if (opts.origin) wsOpts.origin = opts.origin;
    this.ws = new WebSocket(url, wsOpts);
    this.messages = []; // parsed JSON texts
    this.batches = [];  // decoded batch frames
    this.waiters = [];
    this.closed = null;
    this.setCookie = null;
    this.ws.on('upgrade', (res) => { this.setCookie = res.headers['set-cookie'] || null; });
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) this.batches.push(decodeBatch(data));
      else this.messages.push(JSON.parse(data.toString()));
      this.wake();
    });
    this.ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString() }; this.wake(); });
    this.ws.on('error', (e) => { this.error = e; this.wake(); });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    });
  }

  wake() {
    for (const w of [...this.waiters]) w();
  }

  // Resolves with the first value pred returns truthy for (checked on every event).
  waitFor(pred, what = 'a message', timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        let v;
        try { v = pred(this); } catch (e) { done(); reject(e); return; }
        if (v) { done(); resolve(v); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-5))} closed=${JSON.stringify(this.closed)}`)); }, timeoutMs);
      const done = () => { clearTimeout(timer); this.waiters = this.waiters.filter((w) => w !== check); };
      this.waiters.push(check);
      check();
    });
  }

  // The first text message of `type` (matching extra fields) received from index `from` on.
  next(type, match = {}, timeoutMs = 5000, from = 0) {
    return this.waitFor((c) => c.messages.slice(from).find((m) => m.type === type &&
      Object.entries(match).every(([k, v]) => m[k] === v)), `${type} ${JSON.stringify(match)}`, timeoutMs);
  }

  // The batch record of pixel (x, y) with colour `color`.
  pixel(x, y, color, timeoutMs = 5000) {
    return this.waitFor((c) => {
      for (const b of c.batches) for (const p of b.pixels) if (p.x === x && p.y === y && p.color === color) return p;
      return null;
    }, `batch with (${x},${y})=${color}`, timeoutMs);
  }

  send(obj) {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  // Sends place and waits for its answer (placed or error with the same requestId).
  async placeAndWait(x, y, color, requestId, timeoutMs = 5000) {
    const from = this.messages.length;
    this.send({ type: 'place', x, y, color, requestId });
    return this.waitFor((c) => c.messages.slice(from).find((m) => (m.type === 'placed' || m.type === 'error') &&
      m.requestId === requestId), `answer to ${requestId}`, timeoutMs);
  }

  closedWith(timeoutMs = 5000) {
    return this.waitFor((c) => c.closed, 'close', timeoutMs);
  }

  close() {
    try { this.ws.terminate(); } catch { /* gone */ }
  }
}

export async function connect(url, token, opts = {}) {
  const c = new Client(url, token, opts);
  await c.opened;
  await c.next('init');
  return c;
}

// An HTTP request from a chosen loopback address (fetch cannot choose one). Resolves with
// { status, headers, text, json(), token } (token: the session cookie set, if any).
export function request(url, { method = 'GET', headers = {}, body, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, localAddress, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const cookie = [].concat(res.headers['set-cookie'] || []).join('; ');
        const m = cookie.match(/place_session=([0-9a-f]{64})/);
        resolve({ status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text), token: m ? m[1] : null });
      });
    });
    req.setTimeout(5000, () => req.destroy(new Error(`${method} ${url}: no answer in 5 s`)));
    req.on('error', reject);
    if (body !== undefined) req.end(typeof body === 'string' ? body : JSON.stringify(body));
    else req.end();
  });
}

// Paints many pixels ([[x, y, colour], ...]) quickly for a test's set-up: spread over `bots`
// players on loopback addresses 127.0.0.<base>.. (each address its own cooldown and budgets),
// each sending within the per-connection flood limit (20 a second, a burst of 40). The server
// must run with --cooldown 0. Resolves once every placement is answered `placed`.
export async function paintMany(wsUrl, pixels, { bots = 8, base = 40 } = {}) {
  const clients = [];
  for (let i = 0; i < bots; i++) clients.push(await connect(wsUrl, null, { localAddress: `127.0.0.${base + i}` }));
  try {
    await Promise.all(clients.map(async (c, i) => {
      const mine = pixels.filter((_, k) => k % bots === i);
      for (let k = 0; k < mine.length; k += 30) {
        const chunk = mine.slice(k, k + 30);
        const started = Date.now();
        const answers = await Promise.all(chunk.map(([x, y, col], j) => c.placeAndWait(x, y, col, `paint-${i}-${k + j}`, 10000)));
        const refused = answers.find((m) => m.type !== 'placed');
        if (refused) throw new Error(`paintMany: ${JSON.stringify(refused)}`);
        const wait = 1600 - (Date.now() - started); // 30 in 1.6 s stays under 20 a second
        if (k + 30 < mine.length && wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }));
  } finally {
    for (const c of clients) c.close();
  }
}

// The pixels of a 1-pixel square outline with corners (x0, y0) and (x1, y1).
export function squareOutline(x0, y0, x1, y1, colour) {
  const px = [];
  for (let x = x0; x <= x1; x++) px.push([x, y0, colour], [x, y1, colour]);
  for (let y = y0 + 1; y < y1; y++) px.push([x0, y, colour], [x1, y, colour]);
  return px;
}
