// Bad input on the WebSocket and on every REST endpoint: each gets its documented error, the
// connection is kept or closed as docs/protocol.md says, and another client keeps being served.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { connect } from './lib/client.js';
import { startServer } from './lib/server.js';

let srv;
let watcher; // a well-behaved client that must keep getting answers and batches throughout
let placer;  // places now and then so batches keep flowing to the watcher
let n = 0;

before(async () => {
  srv = await startServer({ args: ['--cooldown', '0', '--batch-ms', '20'] });
  watcher = await connect(srv.wsUrl);
  placer = await connect(srv.wsUrl);
});
after(async () => {
  watcher.close();
  placer.close();
  const st = await srv.stop();
  assert.equal(st.code, 0);
  srv.cleanup();
});

// The other clients are still served: a ping gets its pong, a placement reaches the watcher.
async function othersStillServed() {
  const from = watcher.messages.length;
  watcher.send({ type: 'ping' });
  await watcher.next('pong', {}, 5000, from);
  n++;
  const color = (n % 15) + 1;
  const r = await placer.placeAndWait(n % 64, 63, color, `keep-${n}`);
  assert.equal(r.type, 'placed');
  await watcher.pixel(n % 64, 63, color);
}

async function expectError(c, text, code, extra = {}) {
  const from = c.messages.length;
  c.send(text);
  const m = await c.waitFor((cl) => cl.messages.slice(from).find((x) => x.type === 'error'), code);
  assert.equal(m.code, code, JSON.stringify(m));
  assert.equal(typeof m.message, 'string');
  for (const [k, v] of Object.entries(extra)) assert.deepEqual(m[k], v, k);
  return m;
}

test('malformed JSON, non-objects, unknown type, wrong field types: error, connection kept', async () => {
  const c = await connect(srv.wsUrl);
  await expectError(c, '{"type":"place",', 'BAD_JSON');
  await expectError(c, 'hello', 'BAD_JSON');
  await expectError(c, '[1,2,3]', 'BAD_JSON');
  await expectError(c, '{"type":"paint","x":1}', 'UNKNOWN_TYPE');
  await expectError(c, '{"x":1}', 'BAD_MESSAGE');
  await expectError(c, JSON.stringify({ type: 'place', x: '1', y: 2, color: 3, requestId: 'a' }), 'BAD_MESSAGE', { requestId: 'a' });
  await expectError(c, JSON.stringify({ type: 'place', x: 1.5, y: 2, color: 3, requestId: 'b' }), 'BAD_MESSAGE');
  await expectError(c, JSON.stringify({ type: 'place', y: 2, color: 3, requestId: 'c' }), 'BAD_MESSAGE');
  await expectError(c, JSON.stringify({ type: 'place', x: 1, y: 2, color: 3, requestId: 'r'.repeat(65) }), 'BAD_MESSAGE');
  await expectError(c, JSON.stringify({ type: 'place', x: 1, y: 2, color: 3, requestId: '' }), 'BAD_MESSAGE');
  assert.equal(c.closed, null, 'connection kept');
  const ok = await c.placeAndWait(5, 5, 1, 'after-bad');
  assert.equal(ok.type, 'placed');
  await othersStillServed();
  c.close();
});

test('out-of-range coordinates and colours', async () => {
  const c = await connect(srv.wsUrl);
  for (const [x, y] of [[64, 0], [0, 64], [-1, 0], [0, -1], [1e9, 0], [70000, 1]]) {
    await expectError(c, JSON.stringify({ type: 'place', x, y, color: 1, requestId: `o${x}` }), 'OUT_OF_BOUNDS', { requestId: `o${x}` });
  }
  for (const color of [16, -1, 255]) {
    await expectError(c, JSON.stringify({ type: 'place', x: 1, y: 1, color, requestId: 7 }), 'BAD_COLOR', { requestId: 7 });
  }
  assert.equal(c.closed, null);
  await othersStillServed();
  c.close();
});

test('a text frame over 1024 bytes: TOO_LARGE and close 1009; exactly 1024 is fine', async () => {
  const ok = await connect(srv.wsUrl);
  const pad = 1024 - JSON.stringify({ type: 'ping', pad: '' }).length;
  const exact = JSON.stringify({ type: 'ping', pad: 'p'.repeat(pad) });
  assert.equal(exact.length, 1024);
  const from = ok.messages.length;
  ok.send(exact);
  await ok.next('pong', {}, 5000, from);
  ok.close();

  const c = await connect(srv.wsUrl);
  c.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(1100) }));
  const err = await c.next('error', { code: 'TOO_LARGE' });
  assert.ok(err);
  const cl = await c.closedWith();
  assert.equal(cl.code, 1009);
  const big = await connect(srv.wsUrl);
  big.send('y'.repeat(200000));
  assert.equal((await big.closedWith()).code, 1009);
  await othersStillServed();
});

test('a binary frame from a client: BINARY_NOT_ALLOWED and close 1003', async () => {
  const c = await connect(srv.wsUrl);
  c.ws.send(Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]));
  await c.next('error', { code: 'BINARY_NOT_ALLOWED' });
  assert.equal((await c.closedWith()).code, 1003);
  await othersStillServed();
});

test('a short flood gets RATE_LIMITED with retryAfter and the connection is kept', async () => {
  const c = await connect(srv.wsUrl);
  // a burst of 40 is let through (a busy server reads messages in bunches); the rest is refused
  for (let i = 0; i < 50; i++) c.send({ type: 'ping' });
  c.send({ type: 'place', x: 1, y: 1, color: 1, requestId: 'flood' });
  const err = await c.next('error', { code: 'RATE_LIMITED' });
  assert.ok(err.retryAfter > 0 && err.retryAfter <= 1000, `retryAfter ${err.retryAfter}`);
  const placeErr = await c.next('error', { code: 'RATE_LIMITED', requestId: 'flood' });
  assert.ok(placeErr.retryAfter > 0);
  assert.ok(c.messages.filter((m) => m.type === 'pong').length <= 40);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(c.closed, null, 'kept after a short burst');
  const from = c.messages.length;
  c.send({ type: 'ping' });
  await c.next('pong', {}, 5000, from);
  await othersStillServed();
  c.close();
});

test('a persistent flood is closed with 1008', async () => {
  const c = await connect(srv.wsUrl);
  for (let i = 0; i < 300; i++) c.send({ type: 'ping' });
  await c.next('error', { code: 'RATE_LIMITED' });
  assert.equal((await c.closedWith()).code, 1008);
  await othersStillServed();
});

test('a WebSocket upgrade on another path is refused; /ws over plain HTTP is 400', async () => {
  const bad = new (await import('ws')).default(`ws://127.0.0.1:${srv.port}/nope`);
  const outcome = await new Promise((resolve) => {
    bad.on('open', () => resolve('open'));
    bad.on('error', () => resolve('error'));
    bad.on('unexpected-response', () => resolve('refused'));
  });
  assert.notEqual(outcome, 'open');
  bad.terminate();
  const res = await fetch(`${srv.url}/ws`);
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, 'BAD_REQUEST');
  await othersStillServed();
});

async function expectHttp(method, path, status, code, body, headers = {}) {
  const res = await fetch(`${srv.url}${path}`, { method, body, headers, redirect: 'manual' });
  assert.equal(res.status, status, `${method} ${path}`);
  const j = await res.json();
  assert.equal(j.error, code, `${method} ${path} ${JSON.stringify(j)}`);
  assert.equal(typeof j.message, 'string');
  assert.match(res.headers.get('content-type'), /application\/json/);
}

test('REST: bad query parameters', async () => {
  await expectHttp('GET', '/api/v1/pixel', 400, 'BAD_REQUEST');
  await expectHttp('GET', '/api/v1/pixel?x=1', 400, 'BAD_REQUEST');
  await expectHttp('GET', '/api/v1/pixel?x=abc&y=1', 400, 'BAD_REQUEST');
  await expectHttp('GET', '/api/v1/pixel?x=1.5&y=1', 400, 'BAD_REQUEST');
  await expectHttp('GET', '/api/v1/pixel?x=&y=1', 400, 'BAD_REQUEST');
  await expectHttp('GET', '/api/v1/pixel?x=99999999999999999999&y=1', 400, 'BAD_REQUEST');
  await expectHttp('GET', '/api/v1/pixel?x=64&y=1', 400, 'OUT_OF_BOUNDS');
  await expectHttp('GET', '/api/v1/pixel?x=-1&y=1', 400, 'OUT_OF_BOUNDS');
  await othersStillServed();
});

test('REST: wrong methods, unknown paths', async () => {
  await expectHttp('POST', '/api/v1/canvas/info', 405, 'METHOD_NOT_ALLOWED', '{}');
  await expectHttp('POST', '/api/v1/pixel?x=1&y=1', 405, 'METHOD_NOT_ALLOWED');
  await expectHttp('GET', '/api/v1/auth/login', 405, 'METHOD_NOT_ALLOWED');
  await expectHttp('GET', '/api/v1/auth/register', 405, 'METHOD_NOT_ALLOWED');
  await expectHttp('GET', '/api/v1/auth/logout', 405, 'METHOD_NOT_ALLOWED');
  await expectHttp('PUT', '/api/v1/canvas/snapshot', 405, 'METHOD_NOT_ALLOWED', 'x');
  await expectHttp('DELETE', '/api/v1/auth/me', 405, 'METHOD_NOT_ALLOWED');
  await expectHttp('GET', '/api/v1/nothing', 404, 'NOT_FOUND');
  await expectHttp('GET', '/api/v2/canvas', 404, 'NOT_FOUND');
  await expectHttp('GET', '/no/such/file.js', 404, 'NOT_FOUND');
  await expectHttp('GET', '/../../etc/passwd', 404, 'NOT_FOUND');
  await othersStillServed();
});

test('REST: bad and oversized bodies', async () => {
  const json = { 'content-type': 'application/json' };
  await expectHttp('POST', '/api/v1/auth/register', 400, 'BAD_REQUEST', 'not json', json);
  await expectHttp('POST', '/api/v1/auth/register', 400, 'BAD_REQUEST', '[]', json);
  await expectHttp('POST', '/api/v1/auth/register', 400, 'BAD_REQUEST', '', json);
  await expectHttp('POST', '/api/v1/auth/register', 400, 'BAD_REQUEST', JSON.stringify({ username: 'bob' }), json);
  await expectHttp('POST', '/api/v1/auth/register', 400, 'BAD_REQUEST', JSON.stringify({ username: 5, password: 'abcdefgh1' }), json);
  await expectHttp('POST', '/api/v1/auth/login', 400, 'BAD_REQUEST', '{"username":', json);
  await expectHttp('POST', '/api/v1/auth/register', 413, 'TOO_LARGE',
    JSON.stringify({ username: 'bob', password: 'p'.repeat(5000) }), json);
  await expectHttp('POST', '/api/v1/auth/login', 413, 'TOO_LARGE', 'x'.repeat(100000), json);
  await othersStillServed();
});

test('garbage on the TCP port does not disturb anyone', async () => {
  await new Promise((resolve) => {
    const s = net.connect(srv.port, '127.0.0.1', () => {
      s.write('\x00\x01\x02 NOT HTTP AT ALL\r\n\r\n');
      s.write('GET /' + 'a'.repeat(10000) + ' HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    s.on('error', resolve);
    s.on('close', resolve);
    setTimeout(() => { s.destroy(); resolve(); }, 2000);
  });
  await othersStillServed();
});

test('seeded random text frames: the server answers or closes, and never stops serving others', async () => {
  let seed = 12345;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const pieces = ['{', '}', '"type"', ':', '"place"', '"ping"', ',', '"x"', '"y"', '"color"', '"requestId"',
    '1', '-1', '1e309', '0.5', 'null', 'true', '[', ']', '"\\u0000"', '"', '\\', '9999999999999999999', ' '];
  for (let round = 0; round < 5; round++) {
    const c = await connect(srv.wsUrl);
    for (let i = 0; i < 35; i++) {
      let t = '';
      const n = 1 + rnd(40);
      for (let k = 0; k < n; k++) t += pieces[rnd(pieces.length)];
      if (rnd(10) === 0) t = JSON.stringify({ type: 'place', x: rnd(70) - 3, y: rnd(70) - 3, color: rnd(20) - 2, requestId: rnd(1000) });
      c.send(t);
    }
    const from = c.messages.length;
    await new Promise((r) => setTimeout(r, 100));
    if (!c.closed) {
      c.send({ type: 'ping' });
      await c.waitFor((cl) => cl.closed || cl.messages.slice(from).some((m) => m.type === 'pong'), 'pong or close');
    }
    c.close();
    await othersStillServed();
  }
});
