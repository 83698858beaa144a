// Test templates: an RGBA PNG written with node:zlib (so the tests need no image library), and a
// loopback HTTP server that serves it, with or without CORS, the way a faction's host would.
import http from 'node:http';
import zlib from 'node:zlib';

const CRC_TABLE = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(buf) {
  let c = -1;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

// rows: an array of rows, each an array of [r, g, b, a] (a may be left out: 255).
export function pngFromRows(rows) {
  const h = rows.length;
  const w = rows[0].length;
  const raw = Buffer.alloc(h * (1 + 4 * w));
  rows.forEach((row, y) => {
    const o = y * (1 + 4 * w);
    row.forEach(([r, g, b, a = 255], x) => raw.set([r, g, b, a], o + 1 + 4 * x));
  });
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// "#E50000" -> [229, 0, 0, 255]
export function hexRgba(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 255];
}

// Serves files (path -> Buffer) on 127.0.0.1; cors: send Access-Control-Allow-Origin: *.
// Returns { url, close() }.
export async function servePng(files, { cors = true } = {}) {
  const srv = http.createServer((req, res) => {
    const body = files[req.url.split('?')[0]];
    const headers = cors ? { 'Access-Control-Allow-Origin': '*' } : {};
    if (!body) {
      res.writeHead(404, headers);
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': body.length, ...headers });
    res.end(body);
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    close: () => new Promise((resolve) => { srv.closeAllConnections?.(); srv.close(resolve); }),
  };
}
