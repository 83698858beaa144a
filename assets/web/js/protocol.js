// Wire formats of docs/protocol.md that the browser decodes itself: the snapshot body and the
// binary batch frame. Pure functions of their input; no DOM, so Node tests import them as is.

export const SNAPSHOT_MAGIC = 'PLCS';
export const BATCH_KIND = 0x01;
export const BATCH_VERSION = 2;
export const BATCH_HEADER = 32;
export const BATCH_RECORD = 5;
export const COLORS = 16; // palette size (PLACE_COLORS)
export const SNAPSHOT_VERSION = 1;
export const SNAPSHOT_HEADER = 24;
export const MAX_SIDE = 16384; // widest and tallest canvas any Place program reads
const RECORD_PIXEL = 0; // record kinds: the high nibble of a record's byte 4
const RECORD_SKIP = 1;

// 64-bit little-endian unsigned as a Number (exact below 2^53, which sequence numbers stay under).
function u64(view, off) {
  return view.getUint32(off, true) + view.getUint32(off + 4, true) * 0x100000000;
}

function asView(buf) {
  if (buf instanceof ArrayBuffer) return new DataView(buf);
  if (ArrayBuffer.isView(buf)) return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  throw new TypeError('expected an ArrayBuffer or a typed array');
}

// Decodes a snapshot body (gzip already undone by HTTP). Returns
// { width, height, seq, pixels } with pixels a Uint8Array of palette indices, one a pixel,
// row-major. Throws an Error saying what is wrong for anything that is not a valid snapshot.
export function decodeSnapshot(buf) {
  const v = asView(buf);
  if (v.byteLength < SNAPSHOT_HEADER) throw new Error('snapshot too short');
  const magic = String.fromCharCode(v.getUint8(0), v.getUint8(1), v.getUint8(2), v.getUint8(3));
  if (magic !== SNAPSHOT_MAGIC) throw new Error('not a Place snapshot');
  if (v.getUint8(4) !== SNAPSHOT_VERSION) throw new Error(`unknown snapshot version ${v.getUint8(4)}`);
  if (v.getUint8(5) !== 4) throw new Error(`unsupported bits per pixel ${v.getUint8(5)}`);
  const width = v.getUint32(8, true);
  const height = v.getUint32(12, true);
  const seq = u64(v, 16);
  if (width === 0 || height === 0 || width > MAX_SIDE || height > MAX_SIDE) {
    throw new Error(`bad snapshot size ${width}x${height}`);
  }
  const n = width * height;
  const packed = Math.ceil(n / 2);
  if (v.byteLength !== SNAPSHOT_HEADER + packed) {
    throw new Error(`snapshot is ${v.byteLength} bytes, expected ${SNAPSHOT_HEADER + packed}`);
  }
  const src = new Uint8Array(v.buffer, v.byteOffset + SNAPSHOT_HEADER, packed);
  const pixels = new Uint8Array(n);
  const pairs = n >> 1;
  for (let b = 0; b < pairs; b++) {
    const byte = src[b];
    pixels[2 * b] = byte >> 4;
    pixels[2 * b + 1] = byte & 0x0f;
  }
  if (n & 1) pixels[n - 1] = src[packed - 1] >> 4;
  return { width, height, seq, pixels };
}

// Decodes a binary frame from /ws. Returns null for a frame whose kind or version this client
// does not know (the protocol says to ignore those), else
// { prevSeq, lastSeq, time, records: [{ seq, x, y, color }] } with one record per pixel (skip
// records only advance the seq). Throws on a malformed batch, before anything is applied.
export function decodeBatch(buf) {
  const v = asView(buf);
  if (v.byteLength < 2) throw new Error('frame too short');
  if (v.getUint8(0) !== BATCH_KIND || v.getUint8(1) !== BATCH_VERSION) return null;
  if (v.byteLength < BATCH_HEADER) throw new Error('batch header too short');
  const count = v.getUint32(4, true);
  if (v.byteLength !== BATCH_HEADER + BATCH_RECORD * count) {
    throw new Error(`batch is ${v.byteLength} bytes for ${count} records`);
  }
  const prevSeq = u64(v, 8);
  const lastSeq = u64(v, 16);
  const time = u64(v, 24);
  if (lastSeq < prevSeq) throw new Error(`batch lastSeq ${lastSeq} before prevSeq ${prevSeq}`);
  const records = [];
  let seq = prevSeq;
  for (let i = 0; i < count; i++) {
    const o = BATCH_HEADER + BATCH_RECORD * i;
    const b4 = v.getUint8(o + 4);
    const kind = b4 >> 4;
    if (kind === RECORD_PIXEL) {
      if (seq >= lastSeq) throw new Error(`batch record ${i} is beyond lastSeq ${lastSeq}`);
      seq += 1;
      records.push({ seq, x: v.getUint16(o, true), y: v.getUint16(o + 2, true), color: b4 & 0x0f });
    } else if (kind === RECORD_SKIP) {
      const n = v.getUint32(o, true);
      if (n === 0 || (b4 & 0x0f) !== 0 || i === count - 1 || n > lastSeq - seq) {
        throw new Error(`batch record ${i} is a bad skip`);
      }
      seq += n;
    } else {
      throw new Error(`batch record ${i} has unknown kind ${kind}`);
    }
  }
  return { prevSeq, lastSeq, time, records };
}

// Parses "#RRGGBB" into [r, g, b]; null when malformed.
export function parseHexColor(s) {
  const m = /^#([0-9a-f]{6})$/i.exec(String(s));
  if (!m) return null;
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

// The palette every Place program shares (common/src/palette.c); used until /api/v1/canvas/info
// answers, and as the names the page shows.
export const DEFAULT_PALETTE = [
  '#FFFFFF', '#E4E4E4', '#888888', '#222222', '#FFA7D1', '#E50000', '#E59500', '#A06A42',
  '#E5D900', '#94E044', '#02BE01', '#00D3DD', '#0083C7', '#0000EA', '#CF6EE4', '#820080',
];
export const COLOR_NAMES = [
  'white', 'light grey', 'grey', 'black', 'pink', 'red', 'orange', 'brown',
  'yellow', 'lime', 'green', 'cyan', 'blue', 'dark blue', 'magenta', 'purple',
];

// The words for each error code of docs/protocol.md: the same table as common/src/proto.c's
// (tests/web/logic.test.js fails when they differ), so the browser, the native clients and the
// server say one thing. The server's own message is shown when it sends one; these are the
// fallback. OFFLINE is the browser's own (no socket to send on) and has no C counterpart.
export const ERROR_WORDS = {
  BAD_JSON: 'The message is not valid JSON.',
  BAD_MESSAGE: 'The message is missing a field or has one of the wrong type.',
  UNKNOWN_TYPE: 'The server does not know that kind of message.',
  OUT_OF_BOUNDS: 'That spot is outside the canvas.',
  BAD_COLOR: 'That colour is not in the palette.',
  COOLDOWN: 'Too soon: you can place another pixel when your cooldown ends.',
  NOT_ALLOWED: 'Guests may not place pixels here: log in or register.',
  BANNED: 'You are banned from placing pixels.',
  RATE_LIMITED: 'Too many messages: slow down.',
  TOO_LARGE: 'The message is too large.',
  BINARY_NOT_ALLOWED: 'Clients may not send binary messages.',
  TOO_MANY_CONNECTIONS: 'Too many connections from your address.',
  UNAVAILABLE: 'The server cannot take pixels right now: try again in a moment.',
  BAD_REQUEST: 'The request is malformed.',
  BAD_USERNAME: 'Usernames are 3–32 letters, digits, _ or -.',
  BAD_PASSWORD: 'Passwords need at least 8 characters.',
  USERNAME_TAKEN: 'That username is taken.',
  BAD_CREDENTIALS: 'Wrong username or password.',
  NOT_FOUND: 'There is nothing here.',
  METHOD_NOT_ALLOWED: 'That method is not allowed here.',
  INTERNAL: 'The server had a problem; nothing was changed.',
  FROZEN: 'The canvas is frozen: no pixels can be placed for now.',
  TIMEOUT: 'No answer from the server: your pixel was not placed.',
  OFFLINE: 'Not connected: your pixel was not placed.',
};
export const CLIENT_ONLY_ERRORS = ['OFFLINE'];

// The words to show for an error message object { code, message }.
export function errorText(err) {
  if (err && typeof err.message === 'string' && err.message) return err.message;
  return ERROR_WORDS[err && err.code] || 'Something went wrong.';
}
