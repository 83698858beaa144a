// Connection limits: --max-conns-per-ip counts an address's HTTP and WebSocket connections
// together and refuses the extra one with HTTP 429 and JSON; other addresses and the held
// connections keep being served, and a slot frees when a connection closes.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { Client, connect } from './lib/client.js';
import { request } from './lib/http.js';
import { startServer } from './lib/server.js';

// The raw answer to an upgrade request, so the 429 body can be read.
function rawUpgrade(port) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: '/ws',
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve({ status: res.statusCode }); });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('--max-conns-per-ip: the extra connection gets 429 TOO_MANY_CONNECTIONS', async () => {
  const srv = await startServer({ args: ['--max-conns-per-ip', '3', '--cooldown', '0'] });
  try {
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await connect(srv.wsUrl));
    const r = await rawUpgrade(srv.port);
    assert.equal(r.status, 429);
    assert.match(r.type, /application\/json/);
    assert.equal(JSON.parse(r.body).error, 'TOO_MANY_CONNECTIONS');
    const extra = new Client(srv.wsUrl);
    await assert.rejects(extra.opened, (e) => e.status === 429);
    extra.close();
    // the held ones still work
    assert.equal((await held[0].placeAndWait(1, 1, 1, 'x')).type, 'placed');
    await held[1].pixel(1, 1, 1);
    // plain HTTP counts too: refused from this address, served from another
    const mine = await request(srv.port, '/api/v1/canvas/info');
    assert.equal(mine.status, 429);
    assert.equal(JSON.parse(mine.text).error, 'TOO_MANY_CONNECTIONS');
    const other = await request(srv.port, '/api/v1/canvas/info', { from: '127.0.0.2' });
    assert.equal(other.status, 200);
    const otherWs = await connect(srv.wsUrl, undefined, { localAddress: '127.0.0.2' });
    otherWs.close();
    held[2].close();
    await new Promise((res) => setTimeout(res, 200));
    const again = await connect(srv.wsUrl);
    again.close();
    for (const c of held) c.close();
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('--max-conns-per-ip 0 means no limit', async () => {
  const srv = await startServer({ args: ['--max-conns-per-ip', '0', '--guests-per-hour', '0'] });
  try {
    const held = [];
    for (let i = 0; i < 80; i++) held.push(await connect(srv.wsUrl));
    assert.equal(held.filter((c) => c.closed).length, 0);
    for (const c of held) c.close();
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('many clients: every one receives every pixel of every batch', async () => {
  const srv = await startServer({ args: ['--cooldown', '0', '--batch-ms', '30', '--max-conns-per-ip', '0', '--guests-per-hour', '0'] });
  try {
    const viewers = [];
    for (let i = 0; i < 50; i++) viewers.push(await connect(srv.wsUrl));
    const placers = [];
    for (let i = 0; i < 5; i++) placers.push(await connect(srv.wsUrl));
    const answers = [];
    for (let round = 0; round < 10; round++) {
      answers.push(...await Promise.all(placers.map((p, i) => p.placeAndWait(round, i, (round + i) % 16, `${round}-${i}`))));
    }
    assert.ok(answers.every((a) => a.type === 'placed'));
    const maxSeq = Math.max(...answers.map((a) => a.seq));
    for (const v of viewers) {
      await v.waitFor((c) => c.batches.some((b) => b.lastSeq >= maxSeq), 'last batch');
      // batches chain: each prevSeq is the previous lastSeq, and together they cover every seq
      const seqs = new Set();
      for (let i = 0; i < v.batches.length; i++) {
        if (i) assert.equal(v.batches[i].prevSeq, v.batches[i - 1].lastSeq);
        for (const p of v.batches[i].pixels) seqs.add(p.seq);
      }
      for (const a of answers) assert.ok(seqs.has(a.seq), `seq ${a.seq} missing`);
    }
    for (const c of [...viewers, ...placers]) c.close();
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});
