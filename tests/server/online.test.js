// Players online (docs/protocol.md, "Players online"): `init` carries the count and every
// socket is sent {"type":"online","count":N} within the announced period (2 s) of a change.
// A player is a user (a guest is one): several tabs of one player count once, and what one
// address can add to the count is bounded by its connections (--max-conns-per-ip).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from './lib/client.js';
import { startServer } from './lib/server.js';

const PERIOD_MS = 2000; // the period docs/protocol.md announces
const SLACK_MS = 1500;  // a loaded machine's delay on top of it

// The count this client shows: the last `online` message's, else init's.
function shown(c) {
  for (let i = c.messages.length - 1; i >= 0; i--) {
    const m = c.messages[i];
    if (m.type === 'online') return m.count;
    if (m.type === 'init') return m.online;
  }
  return undefined;
}

function shows(c, n, timeoutMs = PERIOD_MS + SLACK_MS) {
  return c.waitFor((cl) => shown(cl) === n, `the count ${n} (shows ${shown(c)})`, timeoutMs);
}

test('three players see 3; when one leaves the other two see 2 within the period', async () => {
  const srv = await startServer();
  const clients = [];
  try {
    for (let i = 0; i < 3; i++) clients.push(await connect(srv.wsUrl));
    assert.equal(typeof clients[0].messages[0].online, 'number', 'init carries online');
    assert.equal(clients[2].messages[0].online, 3, 'the third player is told 3 at once');
    await Promise.all(clients.map((c) => shows(c, 3)));
    const left = Date.now();
    clients[1].close();
    await Promise.all([shows(clients[0], 2), shows(clients[2], 2)]);
    assert.ok(Date.now() - left <= PERIOD_MS + SLACK_MS, `told within the period (${Date.now() - left} ms)`);
    // nothing more is said while nothing changes
    const before = clients[0].messages.filter((m) => m.type === 'online').length;
    await new Promise((r) => setTimeout(r, PERIOD_MS + 300));
    assert.equal(clients[0].messages.filter((m) => m.type === 'online').length, before);
  } finally {
    for (const c of clients) c.close();
    await srv.stop();
  }
});

test('tabs of one player count once', async () => {
  const srv = await startServer();
  const socks = [];
  try {
    const first = await connect(srv.wsUrl);
    socks.push(first);
    const token = first.setCookie && String(first.setCookie).match(/place_session=([0-9a-f]{64})/)[1];
    assert.ok(token, 'the upgrade made a guest');
    for (let i = 0; i < 2; i++) socks.push(await connect(srv.wsUrl, token));
    assert.equal(socks[2].messages[0].online, 1);
    const other = await connect(srv.wsUrl);
    socks.push(other);
    assert.equal(other.messages[0].online, 2);
    await shows(first, 2);
    // two of the player's three tabs close: still one player
    socks[1].close();
    socks[2].close();
    await new Promise((r) => setTimeout(r, PERIOD_MS + 300));
    assert.equal(shown(first), 2);
    assert.equal(shown(other), 2);
    first.close();
    await shows(other, 1);
  } finally {
    for (const c of socks) c.close();
    await srv.stop();
  }
});

test('one address adds at most its connections to the count', async () => {
  const srv = await startServer({ args: ['--max-conns-per-ip', '4'] });
  const socks = [];
  try {
    for (let i = 0; i < 4; i++) socks.push(await connect(srv.wsUrl));
    await assert.rejects(connect(srv.wsUrl), /429/, 'the fifth connection is refused');
    const watcher = await connect(srv.wsUrl, null, { localAddress: '127.0.0.2' });
    socks.push(watcher);
    assert.equal(watcher.messages[0].online, 5);
  } finally {
    for (const c of socks) c.close();
    await srv.stop();
  }
});
