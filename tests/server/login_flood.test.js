// Logins against one attacking address (127.0.0.1): the password-hash line is shared fairly
// (one address holds at most --max-hashes-per-ip of it, the excess is told 429 at once), so a
// player logging in from another address succeeds during the flood; failed logins slow down
// per address and per account (429 RATE_LIMITED with Retry-After); an unknown user costs the
// same check as a wrong password, so timing does not tell which names exist.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request, rssKiB, sleep } from './lib/http.js';
import { startServer } from './lib/server.js';

const login = (srv, username, password, from) =>
  request(srv.port, '/api/v1/auth/login', { method: 'POST', body: { username, password }, from, timeoutMs: 20000 });
const register = (srv, username, from) =>
  request(srv.port, '/api/v1/auth/register', { method: 'POST', body: { username, password: 'long passphrase 1' }, from, timeoutMs: 20000 });

test('a login flood from one address: others log in and register during it', async () => {
  const srv = await startServer();
  let running = true;
  try {
    assert.equal((await register(srv, 'victim', '127.0.0.9')).status, 200);
    assert.equal((await register(srv, 'player', '127.0.0.9')).status, 200);
    // 40 requests kept in flight from 127.0.0.1, guessing victim's password
    const byStatus = {};
    let guesses = 0;
    const worker = async () => {
      while (running) {
        const r = await login(srv, 'victim', `guess-${guesses++}-pw`, '127.0.0.1');
        byStatus[r.status] = (byStatus[r.status] || 0) + 1;
        const body = JSON.parse(r.text);
        if (r.status === 429) {
          assert.equal(body.error, 'RATE_LIMITED');
          assert.ok(Number(r.headers['retry-after']) >= 1);
        } else {
          assert.equal(r.status, 401, r.text);
        }
      }
    };
    const flood = Array.from({ length: 40 }, worker);
    await sleep(300);
    // meanwhile: a login and a registration from other addresses, and the rest of the API
    const ok = await login(srv, 'player', 'long passphrase 1', '127.0.0.2');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(JSON.parse(ok.text).username, 'player');
    const reg = await register(srv, 'newcomer', '127.0.0.3');
    assert.equal(reg.status, 200, reg.text);
    const info = await request(srv.port, '/api/v1/canvas/info', { from: '127.0.0.2' });
    assert.equal(info.status, 200);
    running = false;
    await Promise.all(flood);
    assert.ok(byStatus[429] > 0, `the flood was refused: ${JSON.stringify(byStatus)}`);
    // argon2id holds 64 MiB per running check: a bounded number of them keeps RSS modest
    const rss = rssKiB(srv.proc.pid);
    assert.ok(rss < 1024 * 1024, `placed RSS ${rss} KiB`);
  } finally {
    running = false;
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('failed logins slow down per account and per address', async () => {
  const srv = await startServer();
  try {
    assert.equal((await register(srv, 'alice', '127.0.0.9')).status, 200);
    // per account: 5 failures are free, the 6th makes the next attempt wait
    for (let i = 0; i < 6; i++) assert.equal((await login(srv, 'alice', `wrong-${i}-pw`, '127.0.0.2')).status, 401);
    const held = await login(srv, 'alice', 'long passphrase 1', '127.0.0.3'); // even the right one, from elsewhere
    assert.equal(held.status, 429, held.text);
    assert.equal(JSON.parse(held.text).error, 'RATE_LIMITED');
    assert.equal(held.headers['retry-after'], '1');
    await sleep(1100);
    const ok = await login(srv, 'alice', 'long passphrase 1', '127.0.0.3');
    assert.equal(ok.status, 200, ok.text);
    // per address: 10 failures on any names are free, then the address waits, growing
    for (let i = 0; i < 11; i++) assert.equal((await login(srv, `nobody${i}`, 'whatever-pw', '127.0.0.4')).status, 401);
    const slowed = await login(srv, 'alice', 'long passphrase 1', '127.0.0.4');
    assert.equal(slowed.status, 429, slowed.text);
    await sleep(1100);
    assert.equal((await login(srv, 'nobody11', 'whatever-pw', '127.0.0.4')).status, 401);
    const longer = await login(srv, 'alice', 'long passphrase 1', '127.0.0.4');
    assert.equal(longer.status, 429);
    assert.equal(longer.headers['retry-after'], '2', 'the second wait is twice the first');
    // another address is not slowed by it
    assert.equal((await login(srv, 'alice', 'long passphrase 1', '127.0.0.5')).status, 200);
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('an unknown user costs the same as a wrong password', async () => {
  const srv = await startServer();
  try {
    // two accounts, so that no account reaches its five free failures
    assert.equal((await register(srv, 'known', '127.0.0.9')).status, 200);
    assert.equal((await register(srv, 'knowntoo', '127.0.0.9')).status, 200);
    const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
    const wrong = [];
    const unknown = [];
    // interleaved and seven of each, so that a moment of load on a shared machine moves the
    // median of neither; the gap this guards against was 0.5 ms against 115 ms
    for (let i = 0; i < 7; i++) {
      const w = await login(srv, i % 2 ? 'knowntoo' : 'known', `wrong-${i}-pw`, `127.0.1.${i + 1}`);
      assert.equal(w.status, 401);
      wrong.push(w.ms);
      const u = await login(srv, `unknown${i}`, `wrong-${i}-pw`, `127.0.2.${i + 1}`);
      assert.equal(u.status, 401);
      assert.equal(u.text, w.text, 'the same answer');
      unknown.push(u.ms);
    }
    const mw = median(wrong);
    const mu = median(unknown);
    assert.ok(mw >= 20, `a wrong password takes a real check (${mw} ms)`);
    assert.ok(mu > mw / 3 && mu < mw * 3, `unknown ${mu} ms vs wrong password ${mw} ms`);
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});
