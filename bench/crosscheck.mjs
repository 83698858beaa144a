// An independent check of place-load's latency figures: one connection written from
// docs/protocol.md alone with the ws package (not libplace), placing a pixel every 100 ms for S
// seconds and timing its own `placed` answers and the batches that carry its pixels back.
// Run it beside a place-load run against the same server and compare the medians.
//
//   node bench/crosscheck.mjs http://127.0.0.1:PORT [SECONDS]
//
// Loopback only; stops by itself after SECONDS + 2 s.
import WebSocket from '../tests/node_modules/ws/index.js';

const base = process.argv[2];
const secs = Math.min(Number(process.argv[3] || 10), 600);
if (!/^http:\/\/127\.\d+\.\d+\.\d+:\d+$/.test(base || '')) {
  console.error('usage: node bench/crosscheck.mjs http://127.x.y.z:PORT [SECONDS]');
  process.exit(2);
}
const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`);
const sentAt = new Map(); // requestId -> ms
const bySeq = new Map();  // seq -> send time, once `placed` named it
const acks = [];
const visible = [];
let n = 0;

ws.on('message', (data, isBinary) => {
  const now = performance.now();
  if (isBinary) {
    const b = Buffer.from(data);
    if (b[0] !== 1 || b[1] !== 2) return;
    const count = b.readUInt32LE(4);
    if (b.length !== 32 + 5 * count) return;
    // 5-byte records: byte 4's high nibble 0 = a pixel, the next seq; 1 = skip u32 n seqs
    let seq = Number(b.readBigUInt64LE(8));
    for (let i = 0; i < count; i++) {
      const o = 32 + 5 * i;
      if (b[o + 4] >> 4 === 1) {
        seq += b.readUInt32LE(o);
        continue;
      }
      seq += 1;
      if (bySeq.has(seq)) {
        visible.push(now - bySeq.get(seq));
        bySeq.delete(seq);
      }
    }
    return;
  }
  const m = JSON.parse(data.toString());
  if (m.type === 'placed' && sentAt.has(m.requestId)) {
    const t = sentAt.get(m.requestId);
    acks.push(now - t);
    bySeq.set(m.seq, t); // the batch comes after `placed` (the server answers first)
  }
});

function quantile(a, q) {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(1) : 'n/a';
}

ws.on('open', () => {
  const timer = setInterval(() => {
    const id = ++n;
    sentAt.set(id, performance.now());
    ws.send(JSON.stringify({ type: 'place', x: 0, y: n % 100, color: n % 16, requestId: id }));
  }, 100);
  setTimeout(() => {
    clearInterval(timer);
    setTimeout(() => {
      console.log(`crosscheck: ${n} placed, ${acks.length} acknowledged: ack p50 ${quantile(acks, 0.5)} ` +
        `p99 ${quantile(acks, 0.99)} ms; ${visible.length} seen: visible p50 ${quantile(visible, 0.5)} ` +
        `p99 ${quantile(visible, 0.99)} ms`);
      process.exit(0);
    }, 2000);
  }, secs * 1000);
});
ws.on('error', (e) => { console.error(`crosscheck: ${e.message}`); process.exit(1); });
