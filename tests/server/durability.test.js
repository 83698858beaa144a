// Nothing acknowledged is lost: kill -9 under a stream of placements, restart, every
// acknowledged pixel is there; restart keeps seq, sessions and cooldowns; SIGTERM is clean.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, fetchSnapshot, tokenFrom } from './lib/client.js';
import { startServer } from './lib/server.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitSnapshot(url, minSeq) {
  for (let i = 0; i < 60; i++) {
    const { snap } = await fetchSnapshot(url);
    if (snap.seq >= minSeq) return snap;
    await sleep(100);
  }
  throw new Error(`snapshot never reached seq ${minSeq}`);
}

test('kill -9 under a stream of placements from several clients loses no acknowledged pixel', async () => {
  const srv = await startServer({ args: ['--cooldown', '0', '--batch-ms', '20'] });
  const acked = [];
  const clients = [];
  const tokens = [];
  try {
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${srv.url}/api/v1/auth/me`);
      const token = tokenFrom(res);
      tokens.push({ token, userId: (await res.json()).userId, acked: 0 });
      clients.push(await connect(srv.wsUrl, token));
    }
    let k = 0;
    let stop = false;
    // each client sends 15 placements a second (under the 20/s flood limit), each on its own pixel
    const streams = clients.map((c, ci) => (async () => {
      while (!stop && !c.closed) {
        const idx = k++;
        if (idx >= 64 * 64) break;
        const x = idx % 64;
        const y = Math.floor(idx / 64);
        const color = (idx % 15) + 1;
        const rid = `p${idx}`;
        c.send({ type: 'place', x, y, color, requestId: rid });
        c.waitFor((cl) => cl.messages.find((m) => m.requestId === rid), rid, 10000).then((m) => {
          if (m.type === 'placed') { acked.push({ x, y, color, seq: m.seq }); tokens[ci].acked++; }
        }, () => {});
        await sleep(66);
      }
    })());
    await sleep(1500);
    assert.ok(acked.length > 20, `only ${acked.length} acknowledged before the kill`);
    const st = await srv.kill9();
    assert.equal(st.signal, 'SIGKILL');
    stop = true;
    await Promise.all(streams);
    for (const c of clients) c.close();
    const ackedCopy = [...acked];

    const again = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '0'] });
    try {
      const maxSeq = Math.max(...ackedCopy.map((a) => a.seq));
      const info = await (await fetch(`${again.url}/api/v1/canvas/info`)).json();
      assert.ok(info.seq >= maxSeq, `seq after restart ${info.seq} < acknowledged ${maxSeq}`);
      const snap = await waitSnapshot(again.url, maxSeq);
      for (const a of ackedCopy) assert.equal(snap.get(a.x, a.y), a.color, `pixel (${a.x},${a.y}) seq ${a.seq}`);
      for (const a of ackedCopy.slice(0, 10)) {
        const h = await (await fetch(`${again.url}/api/v1/pixel?x=${a.x}&y=${a.y}`)).json();
        assert.equal(h.placements[0].seq, a.seq);
        assert.equal(h.placements[0].color, a.color);
      }
      // sessions of users with an acknowledged placement survive (their creation was committed first)
      for (const t of tokens.filter((t) => t.acked > 0)) {
        const m = await (await fetch(`${again.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${t.token}` } })).json();
        assert.equal(m.userId, t.userId);
      }
      // numbering continues after the highest stored seq
      const c = await connect(again.wsUrl);
      const p = await c.placeAndWait(0, 0, 3, 'next');
      assert.equal(p.type, 'placed');
      assert.equal(p.seq, info.seq + 1);
      c.close();
    } finally {
      assert.equal((await again.stop()).code, 0);
    }
  } finally {
    srv.cleanup();
  }
});

test('SIGTERM with placements in flight: they are acknowledged, stored, and placed exits 0', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  const c = await connect(srv.wsUrl);
  for (let i = 0; i < 15; i++) c.send({ type: 'place', x: i, y: 5, color: 4, requestId: i });
  await sleep(5);
  const st = await srv.stop();
  assert.equal(st.code, 0, srv.stderr());
  assert.match(srv.stderr(), /stopped/);
  const placed = c.messages.filter((m) => m.type === 'placed');
  c.close();
  const again = await startServer({ dataDir: srv.dataDir });
  try {
    const snap = await waitSnapshot(again.url, 0);
    for (const m of placed) assert.equal(snap.get(m.requestId, 5), 4);
    assert.ok(snap.seq >= placed.length);
  } finally {
    assert.equal((await again.stop()).code, 0);
    srv.cleanup();
  }
});

test('the cooldown survives a restart', async () => {
  const srv = await startServer({ args: ['--cooldown', '300'] });
  const res = await fetch(`${srv.url}/api/v1/auth/me`);
  const token = tokenFrom(res);
  const c = await connect(srv.wsUrl, token);
  const p = await c.placeAndWait(7, 7, 7, 'one');
  assert.equal(p.type, 'placed');
  c.close();
  assert.equal((await srv.stop()).code, 0);
  const again = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '300'] });
  try {
    const c2 = await connect(again.wsUrl, token);
    assert.ok(Math.abs(c2.messages[0].nextPlacement - p.nextPlacement) < 1000);
    const e = await c2.placeAndWait(8, 8, 7, 'two');
    assert.equal(e.code, 'COOLDOWN');
    assert.ok(e.retryAfter > 290000);
    c2.close();
  } finally {
    assert.equal((await again.stop()).code, 0);
    srv.cleanup();
  }
});

test('SIGTERM while a POST body is still arriving: the request is answered 503, placed exits 0', async () => {
  const net = await import('node:net');
  const srv = await startServer();
  const body = JSON.stringify({ username: 'late_body', password: 'correct horse' });
  const sock = net.connect(srv.port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let answer = '';
  sock.on('data', (d) => { answer += d; });
  sock.on('error', () => {});
  const closed = new Promise((r) => sock.once('close', r));
  sock.write(`POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
  await sleep(200);
  srv.proc.kill('SIGTERM');
  await sleep(300); // the stop is under way: the store is closed
  sock.write(body.slice(10));
  const st = await srv.stop();
  await closed;
  assert.equal(st.code, 0, srv.stderr());
  assert.match(srv.stderr(), /placed: stopped/);
  assert.match(answer, /^HTTP\/1\.1 503/, `answer: ${answer}\n${srv.stderr()}`);
  assert.match(answer, /"error":"UNAVAILABLE"/);
  srv.cleanup();
});
