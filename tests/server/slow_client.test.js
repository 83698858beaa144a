// A client that stops reading: the server must not buffer for it without bound. It is skipped
// forward in the ring (owed a `resync`), and when it falls behind again within 30 s it is
// dropped, while a normal client keeps receiving every batch (an unbroken prevSeq/lastSeq chain)
// and the server's memory stays modest.
//
// The slow client is a raw TCP socket with a hand-written WebSocket upgrade (a small C program,
// so the test decides when it reads and its kernel receive buffer is small). Placers at the
// flood limit fill the kernel's buffers between the two.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import WebSocket from 'ws';
import { connect } from './lib/client.js';
import { placedPath, startServer } from './lib/server.js';

const PLACERS = 60;
// Give up (and fail) if this much was broadcast while the slow client stayed connected.
const MAX_BYTES = 8 * 1024 * 1024;
// What may be queued for the slow client in all (its kernel receive buffer, placed's capped
// kernel send buffer, lws's unsent remainder): a few hundred KiB. Left to autotuning, Linux lets
// the send buffer grow to ~4 MiB, and ~3 MB reached a client that had stopped reading.
const MAX_HELD = 1024 * 1024;
const MAX_MS = 60000;
// The slow client's SO_RCVBUF (Linux doubles it). Left to the kernel it is 128 KiB and more,
// which took half a minute of broadcasting to fill; what is asserted does not depend on it.
const RCVBUF = 4096;
// How long the slow client reads at the end, waiting for the server to end the connection.
const DRAIN_MS = 20000;

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

// The TCP state of the server's end of the connection from local port `clientPort`
// ('01' ESTABLISHED), or null when the server has no such socket any more.
function serverSideState(serverPort, clientPort) {
  const hex = (p) => p.toString(16).toUpperCase().padStart(4, '0');
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = fs.readFileSync(f, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4) continue;
      if (cols[1].endsWith(`:${hex(serverPort)}`) && cols[2].endsWith(`:${hex(clientPort)}`)) return cols[3];
    }
  }
  return null;
}

// The slow client (tests/server/slow_reader.c, a socket whose kernel receive buffer is small,
// which Node cannot make): it opens /ws, reads the 101 answer's head, then stops reading until
// drain(). Found at $PLACE_SLOW_READER, else beside placed's build directory.
function slowReaderPath() {
  if (process.env.PLACE_SLOW_READER) return process.env.PLACE_SLOW_READER;
  return path.join(path.dirname(path.dirname(placedPath())), 'tests', 'server', 'place-slow-reader');
}

function slowClient(port) {
  return new Promise((resolve, reject) => {
    const proc = spawn(slowReaderPath(), [String(port), String(RCVBUF), String(DRAIN_MS)],
      { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = Buffer.alloc(0);
    let started = false;
    let exited = null;
    const waiters = [];
    const slow = {
      proc,
      localPort: 0,
      ended: false,
      data: () => slow.received,
      received: Buffer.alloc(0),
      // Reads everything the server sent until it closes the socket (or DRAIN_MS pass).
      async drain() {
        proc.stdin.end('\n');
        const code = exited !== null ? exited : await new Promise((res) => waiters.push(res));
        assert.equal(code, 0, 'the slow reader ran to its end');
        const nl = out.indexOf('\n');
        const m = /^END (\S+) (\d+)$/.exec(out.subarray(0, nl).toString());
        assert.ok(m, `the slow reader's last words: ${out.subarray(0, 80).toString()}`);
        slow.received = out.subarray(nl + 1);
        assert.equal(slow.received.length, Number(m[2]));
        slow.ended = m[1] !== 'timeout';
        if (m[1] === 'fin') slow.fin = true;
        else if (m[1] !== 'timeout') slow.error = m[1];
      },
    };
    proc.on('error', reject);
    proc.on('exit', (code) => {
      exited = code;
      for (const w of waiters.splice(0)) w(code);
      if (!started) reject(new Error(`the slow reader exited (${code}) before the upgrade`));
    });
    proc.stdout.on('data', (d) => {
      out = Buffer.concat([out, d]);
      if (started) return;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const [localPort, ...status] = out.subarray(0, nl).toString().split(' ');
      out = out.subarray(nl + 1);
      started = true;
      if (!/^HTTP\/1\.1 101/.test(status.join(' '))) { reject(new Error(`upgrade refused: ${status.join(' ')}`)); return; }
      slow.localPort = Number(localPort);
      resolve(slow);
    });
  });
}

// Server-to-client frames (unmasked): [{opcode, payload}], stopping at an incomplete one.
function parseFrames(b) {
  const out = [];
  let o = 0;
  while (o + 2 <= b.length) {
    const opcode = b[o] & 0x0f;
    let len = b[o + 1] & 0x7f;
    let h = 2;
    if (len === 126) { if (o + 4 > b.length) break; len = b.readUInt16BE(o + 2); h = 4; }
    else if (len === 127) { if (o + 10 > b.length) break; len = Number(b.readBigUInt64BE(o + 2)); h = 10; }
    if (o + h + len > b.length) break;
    out.push({ opcode, payload: b.subarray(o + h, o + h + len) });
    o += h + len;
  }
  return out;
}

test('a client that stops reading is skipped, then dropped; the others miss nothing', async (t) => {
  const srv = await startServer({ args: ['--cooldown', '0', '--batch-ms', '20', '--ws-sndbuf', '4', '--max-conns-per-ip', '0', '--guests-per-hour', '0', '--width', '256', '--height', '256'] });
  const placers = [];
  let slow = null;
  let viewer = null;
  let timer = null;
  try {
    slow = await slowClient(srv.port);
    const slowPort = slow.localPort;
    assert.equal(serverSideState(srv.port, slowPort), '01', 'the server holds the slow connection');
    viewer = await connect(srv.wsUrl);
    for (let i = 0; i < PLACERS; i++) {
      const ws = new WebSocket(srv.wsUrl);
      ws.on('error', () => {});
      await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
      placers.push(ws);
    }
    // every placer at the flood limit (20 a second: 2 every 100 ms), one fifth of them every
    // 20 ms, so that a batch is due every --batch-ms (the slow client falls behind by frames)
    let n = 0;
    let tick = 0;
    timer = setInterval(() => {
      tick++;
      for (const [k, ws] of placers.entries()) {
        if (k % 5 !== tick % 5) continue;
        for (let j = 0; j < 2; j++) {
          n++;
          ws.send(JSON.stringify({ type: 'place', x: (k + n) % 256, y: (n >> 8) % 256, color: n % 16, requestId: n }));
        }
      }
    }, 20);

    const t0 = Date.now();
    let peakRss = 0;
    const broadcast = () => viewer.batches.reduce((a, b) => a + b.bytes, 0);
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      peakRss = Math.max(peakRss, rssKiB(srv.proc.pid));
      if (serverSideState(srv.port, slowPort) !== '01') break; // the server let go of it
      assert.ok(broadcast() < MAX_BYTES && Date.now() - t0 < MAX_MS,
        `the slow client is still connected after ${broadcast()} bytes of batches`);
      assert.equal(viewer.closed, null, 'the normal client stays connected');
    }
    clearInterval(timer);
    timer = null;
    t.diagnostic(`dropped after ${Date.now() - t0} ms, ${broadcast()} bytes in ${viewer.batches.length} batches; placed RSS peak ${peakRss} KiB`);

    // the normal client: connected, and every batch follows the one before it
    assert.equal(viewer.closed, null);
    assert.ok(viewer.batches.length > 64, `${viewer.batches.length} batches`);
    for (let i = 1; i < viewer.batches.length; i++) {
      assert.equal(viewer.batches[i].prevSeq, viewer.batches[i - 1].lastSeq, `gap before batch ${i}`);
    }
    // memory: the backlog of the slow client was never held (the bound is generous because
    // an ASan build's quarantine alone holds up to 256 MiB; a plain build stays near 20 MiB)
    assert.ok(peakRss < 1024 * 1024, `placed RSS peaked at ${peakRss} KiB`);

    // the slow client finally reads: what the kernel held, then the end of the stream (the
    // resync it was owed may still have been in placed's buffer for it when it was dropped)
    await slow.drain();
    assert.ok(slow.ended, 'the server closed the slow connection');
    t.diagnostic(`the slow connection ended with ${slow.fin ? 'FIN' : ''} ${slow.error || ''}`);
    // placed let go of it itself: an orderly end after what it had queued. (Before the fix the
    // stalled connection hung until the kernel gave up on it minutes later: ECONNRESET.)
    assert.equal(slow.error, undefined, 'no reset');
    assert.ok(slow.fin, 'an orderly end of the stream');
    t.diagnostic(`the slow client got ${slow.data().length} bytes after the upgrade`);
    const frames = parseFrames(slow.data());
    const texts = frames.filter((f) => f.opcode === 1).map((f) => JSON.parse(f.payload.toString()));
    assert.equal(texts[0].type, 'init');
    for (const m of texts.slice(1)) {
      // besides resyncs, only the players-online count (its 2 s tick) may have reached it
      assert.ok(m.type === 'resync' || m.type === 'online', `unexpected ${m.type}`);
      assert.equal(typeof (m.type === 'resync' ? m.seq : m.count), 'number');
    }
    const batchBytes = frames.filter((f) => f.opcode === 2).reduce((a, f) => a + f.payload.length, 0);
    assert.ok(batchBytes > 0, 'it got batches before it fell behind');
    assert.ok(batchBytes < broadcast(), `it was skipped: ${batchBytes} of ${broadcast()} batch bytes reached it`);
    assert.ok(slow.data().length < MAX_HELD, `${slow.data().length} bytes were held for the slow client`);

    // and the server still serves newcomers
    const late = await connect(srv.wsUrl);
    assert.equal((await late.placeAndWait(1, 1, 1, 'late')).type, 'placed');
    late.close();
  } finally {
    if (timer) clearInterval(timer);
    for (const ws of placers) ws.terminate();
    if (viewer) viewer.close();
    if (slow && slow.proc.exitCode === null) slow.proc.kill();
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});
