// Idle and stalled HTTP connections do not stay for ever: a keep-alive connection with no new
// request, a request whose headers or body never finish, and a connection that sends nothing are
// all closed by the server; a keep-alive connection that keeps asking stays open.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { startServer } from './lib/server.js';

const GET_INFO = 'GET /api/v1/canvas/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
// The server's limits, set short so the test takes seconds (the defaults are 30 s and 10 s):
// an idle keep-alive connection is closed after KEEPALIVE_S, a request that does not arrive
// whole within REQUEST_S (and a connection that sends nothing) too.
const KEEPALIVE_S = 3;
const REQUEST_S = 2;
const WAIT_MS = 15000; // generous: each limit is a few seconds

// A raw connection that records what comes back and whether the server closed it.
function raw(port, first) {
  const s = net.connect(port, '127.0.0.1');
  const c = { s, text: '', closed: false, waiters: [] };
  const wake = () => { for (const w of c.waiters) w(); };
  s.on('data', (d) => { c.text += d; wake(); });
  s.on('close', () => { c.closed = true; wake(); });
  s.on('error', () => {});
  c.until = (pred, what) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(c.text.slice(-200))}`)), WAIT_MS);
    const check = () => { if (pred()) { clearTimeout(timer); c.waiters = c.waiters.filter((w) => w !== check); resolve(); } };
    c.waiters.push(check);
    check();
  });
  c.answers = () => (c.text.match(/HTTP\/1\.1 200 /g) || []).length;
  if (first) s.write(first);
  return c;
}

test('idle and stalled HTTP connections are closed; a busy keep-alive one is not', async () => {
  const srv = await startServer({ args: ['--keepalive-timeout', String(KEEPALIVE_S),
    '--request-timeout', String(REQUEST_S)] });
  try {
    const idle = raw(srv.port, GET_INFO);
    const busy = raw(srv.port, GET_INFO);
    const body = raw(srv.port, 'POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
      'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user');
    const headers = raw(srv.port, 'GET /api/v1/canvas/info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const silent = raw(srv.port);

    await idle.until(() => idle.answers() === 1, 'the first answer');
    // the busy one asks again every second (a third of the idle limit), over a span longer
    // than the idle limit
    for (let i = 2; i <= 5; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(busy.closed, false, `the busy connection is open before request ${i}`);
      busy.s.write(GET_INFO);
      await busy.until(() => busy.answers() === i || busy.closed, `answer ${i}`);
      assert.equal(busy.answers(), i, `answer ${i} on the same connection`);
    }
    await idle.until(() => idle.closed, 'the idle keep-alive connection to be closed');
    await body.until(() => body.closed, 'the stalled body to be closed');
    await headers.until(() => headers.closed, 'the stalled headers to be closed');
    await silent.until(() => silent.closed, 'the silent connection to be closed');
    assert.equal(idle.answers(), 1);
    assert.equal(headers.answers(), 0);
    busy.s.destroy();
    // and the server still answers
    assert.equal((await fetch(`${srv.url}/api/v1/canvas/info`)).status, 200);
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});
