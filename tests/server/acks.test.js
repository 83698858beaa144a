// Every placement the store took is answered: whatever its requestId (64 control characters,
// bytes that are not UTF-8), and also when the server closes a flooding socket. Text fields with
// a NUL or invalid UTF-8 are refused, never cut short in silence.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { connect } from './lib/client.js';
import { startServer } from './lib/server.js';

let srv;
before(async () => { srv = await startServer({ args: ['--cooldown', '0'] }); });
after(async () => {
  const st = await srv.stop();
  assert.equal(st.code, 0);
  srv.cleanup();
});

const json = { 'content-type': 'application/json' };
// The canvas's seq once it shows every placement acknowledged so far: in cluster mode
// /canvas/info is this process's view, fed by Kafka, and may trail an acknowledgement.
let lastAcked = 0;
const noteAcks = (...seqs) => { for (const s of seqs) lastAcked = Math.max(lastAcked, s); };
async function seqNow() {
  const deadline = Date.now() + 10000;
  for (;;) {
    const seq = (await (await fetch(`${srv.url}/api/v1/canvas/info`)).json()).seq;
    if (seq >= lastAcked || Date.now() > deadline) return seq;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A raw socket: the texts exactly as received (the ws library closes with 1007 on invalid UTF-8).
async function rawSocket() {
  const ws = new WebSocket(srv.wsUrl);
  const texts = [];
  const waiters = [];
  ws.on('message', (d, bin) => { if (!bin) { texts.push(d.toString()); for (const w of waiters) w(); } });
  const closed = new Promise((r) => ws.on('close', (code) => { r(code); for (const w of waiters) w(); }));
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  const until = (pred, what, ms = 5000) => new Promise((resolve, reject) => {
    const check = () => { const v = pred(); if (v) { clearTimeout(t); resolve(v); } };
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ${texts.slice(-3).join(' | ')}`)), ms);
    waiters.push(check);
    check();
  });
  return { ws, texts, closed, until };
}

test('a requestId of 64 control characters: placed arrives as valid JSON echoing it', async () => {
  const s = await rawSocket();
  const rid = Array.from({ length: 64 }, (_, i) => String.fromCharCode(1 + (i % 31))).join('');
  const before = await seqNow();
  s.ws.send(JSON.stringify({ type: 'place', x: 3, y: 3, color: 5, requestId: rid }));
  const text = await s.until(() => s.texts.find((t) => t.includes('"placed"')), 'placed');
  const m = JSON.parse(text);
  noteAcks(m.seq);
  assert.equal(m.requestId, rid);
  assert.equal(m.seq, before + 1);
  s.ws.terminate();
});

test('a requestId that is not UTF-8: placed arrives as valid UTF-8 JSON', async () => {
  const s = await rawSocket();
  const frame = Buffer.concat([
    Buffer.from('{"type":"place","x":4,"y":4,"color":6,"requestId":"ab'),
    Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]), // a stray byte, a cut sequence, a surrogate
    Buffer.from('cd"}'),
  ]);
  const before = await seqNow();
  s.ws.send(frame, { binary: false });
  const text = await s.until(() => s.texts.find((t) => t.includes('"placed"')), 'placed');
  const m = JSON.parse(text); // 'ws' has already checked the frame is UTF-8 (else it closes 1007)
  noteAcks(m.seq);
  assert.equal(m.seq, before + 1);
  assert.match(m.requestId, /^ab\uFFFD+\(\uFFFD+cd$/);
  s.ws.terminate();
});

test('a NUL in a requestId is refused with BAD_MESSAGE, nothing placed', async () => {
  const s = await rawSocket();
  const before = await seqNow();
  s.ws.send('{"type":"place","x":5,"y":5,"color":7,"requestId":"a\\u0000b"}');
  const text = await s.until(() => s.texts.find((t) => t.includes('"error"')), 'error');
  assert.equal(JSON.parse(text).code, 'BAD_MESSAGE');
  assert.equal(await seqNow(), before);
  s.ws.terminate();
});

test('a flooding socket is closed only after every placement it got through is acknowledged', async () => {
  const before = await seqNow();
  const c = await connect(srv.wsUrl);
  const burst = [];
  for (let i = 0; i < 300; i++) burst.push(JSON.stringify({ type: 'place', x: i % 64, y: 10, color: 1 + (i % 15), requestId: `f${i}` }));
  for (const b of burst) c.ws.send(b);
  assert.equal((await c.closedWith(10000)).code, 1008);
  const placed = c.messages.filter((m) => m.type === 'placed');
  noteAcks(...placed.map((m) => m.seq));
  const committed = (await seqNow()) - before;
  assert.ok(committed > 0, 'the burst got some placements through');
  assert.equal(placed.length, committed, `${committed} placements stored, ${placed.length} acknowledged`);
});

test('NUL or invalid UTF-8 in a username or password: 400 BAD_REQUEST, nothing registered', async () => {
  const bodies = [
    '{"username":"abc\\u0000def","password":"correct horse"}',
    '{"username":"nulpass","password":"correct\\u0000horse"}',
    Buffer.concat([Buffer.from('{"username":"badutf","password":"correct '), Buffer.from([0xc3, 0x28]), Buffer.from(' horse"}')]),
  ];
  for (const body of bodies) {
    const res = await fetch(`${srv.url}/api/v1/auth/register`, { method: 'POST', headers: json, body });
    assert.equal(res.status, 400, String(body));
    assert.equal((await res.json()).error, 'BAD_REQUEST');
  }
  for (const name of ['abc', 'nulpass', 'badutf']) {
    const res = await fetch(`${srv.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ username: name, password: 'correct horse' }) });
    assert.equal(res.status, 200, `${name} was not taken by a refused registration`);
  }
});
