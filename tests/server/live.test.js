// Live rules: `placed --freeze [--reason]` / `--unfreeze` and `placed --set KEY=VALUE` on a
// running server (and on a stopped one), told to every connected client, kept across restarts.
// Also run in cluster mode (tests/cluster/embedded_suite.test.js), where the change made through
// one process's control socket reaches the clients of every process through Redis.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, fetchSnapshot, tokenFrom } from './lib/client.js';
import os from 'node:os';
import { runPlaced, startServer } from './lib/server.js';

const json = { 'content-type': 'application/json' };

async function register(srv, username) {
  const res = await fetch(`${srv.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ username, password: 'long passphrase 1' }) });
  assert.equal(res.status, 200);
  return { token: tokenFrom(res), ...(await res.json()) };
}

// `placed --audit` as [act, what] pairs (its lines are "TIME  WHO  ACT  WHAT").
function audit(srv) {
  const r = runPlaced(['--data-dir', srv.dataDir, '--audit']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((line) => {
    const [, who, act, ...what] = line.split('  ');
    return [who, act, what.join('  ')];
  });
}
const me = `os:${os.userInfo().username}`;

function admin(srv, ...args) {
  const r = runPlaced(['--data-dir', srv.dataDir, ...args]);
  assert.equal(r.code, 0, `placed ${args.join(' ')}: ${r.stderr}`);
  return r;
}

test('--freeze: every placement gets FROZEN with the reason, every client is told, viewing goes on, it survives a restart; --unfreeze', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  let again = null;
  try {
    const alice = await register(srv, 'alice');
    const a = await connect(srv.wsUrl, alice.token);
    const viewer = await connect(srv.wsUrl, null); // a guest
    assert.equal(a.messages[0].frozen, false);
    assert.equal(a.messages[0].frozenReason, '');
    const painted = await a.placeAndWait(1, 1, 5, 'before');
    assert.equal(painted.type, 'placed');

    const r = admin(srv, '--freeze', '--reason', 'the event is over');
    assert.match(r.stdout, /freeze: done \(running server\)/);
    for (const c of [a, viewer]) {
      const s = await c.next('settings', { frozen: true });
      assert.equal(s.frozenReason, 'the event is over');
      assert.equal(s.cooldownSec, 0);
      assert.equal(s.guestsCanPlace, true);
    }
    const e = await a.placeAndWait(2, 2, 3, 'frozen');
    assert.equal(e.type, 'error');
    assert.equal(e.code, 'FROZEN');
    assert.match(e.message, /frozen: the event is over/);
    assert.equal((await viewer.placeAndWait(3, 3, 3, 'guest')).code, 'FROZEN');
    assert.equal(a.closed, null, 'the socket stays open for viewing');
    // a newcomer learns it from init
    const late = await connect(srv.wsUrl, null);
    assert.equal(late.messages[0].frozen, true);
    assert.equal(late.messages[0].frozenReason, 'the event is over');
    // viewing and history keep working; nothing was painted
    let snap = (await fetchSnapshot(srv.url)).snap;
    for (let i = 0; i < 40 && snap.seq < painted.seq; i++) { // the snapshot is up to 1 s behind
      await new Promise((r) => setTimeout(r, 100));
      snap = (await fetchSnapshot(srv.url)).snap;
    }
    assert.equal(snap.get(1, 1), 5);
    assert.equal(snap.get(2, 2), 0);
    const hist = await (await fetch(`${srv.url}/api/v1/pixel?x=1&y=1`)).json();
    assert.equal(hist.placements[0].username, 'alice');
    a.close(); viewer.close(); late.close();

    // kept in the store: a restart is still frozen
    assert.equal((await srv.stop()).code, 0);
    again = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '0'] });
    const b = await connect(again.wsUrl, alice.token);
    assert.equal(b.messages[0].frozen, true);
    assert.equal(b.messages[0].frozenReason, 'the event is over');
    assert.equal((await b.placeAndWait(4, 4, 4, 'after-restart')).code, 'FROZEN');

    const u = admin(again, '--unfreeze');
    assert.match(u.stdout, /unfreeze: done \(running server\)/);
    const s = await b.next('settings', { frozen: false });
    assert.equal(s.frozenReason, '');
    assert.equal((await b.placeAndWait(4, 4, 4, 'unfrozen')).type, 'placed');
    b.close();
    // both acts are on record, with who did them
    assert.deepEqual(audit(again), [[me, 'freeze', 'reason: the event is over'], [me, 'unfreeze', '']]);
  } finally {
    if (again) await again.stop(); else await srv.stop();
    srv.cleanup();
  }
});

test('--freeze on a stopped server is stored and holds at the next start', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  let again = null;
  try {
    const alice = await register(srv, 'alice');
    assert.equal((await srv.stop()).code, 0);
    const r = admin(srv, '--freeze');
    assert.match(r.stdout, /no server running/);
    again = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '0'] });
    const a = await connect(again.wsUrl, alice.token);
    assert.equal(a.messages[0].frozen, true);
    assert.equal(a.messages[0].frozenReason, '');
    const e = await a.placeAndWait(1, 1, 1, 'x');
    assert.equal(e.code, 'FROZEN');
    a.close();
    assert.deepEqual(audit(again), [[me, 'freeze', '']]);
  } finally {
    if (again) await again.stop(); else await srv.stop();
    srv.cleanup();
  }
});

test('--set cooldown=5 applies to the next placement without a restart, clients are told; it holds over the flag at a restart until KEY=default', async () => {
  const srv = await startServer({ args: ['--cooldown', '300'] });
  let again = null;
  try {
    const alice = await register(srv, 'alice');
    const bob = await register(srv, 'bob');
    const a = await connect(srv.wsUrl, alice.token);
    assert.equal(a.messages[0].cooldownSec, 300);
    const first = await a.placeAndWait(1, 1, 1, 'a1');
    assert.equal(first.type, 'placed');
    assert.ok(first.nextPlacement - Date.now() > 290000, 'a 300 s cooldown at first');

    const r = admin(srv, '--set', 'cooldown=5');
    assert.match(r.stdout, /set cooldown=5: done \(running server\)/);
    const s = await a.next('settings', { cooldownSec: 5 });
    assert.equal(s.frozen, false);
    const info = await (await fetch(`${srv.url}/api/v1/canvas/info`)).json();
    assert.equal(info.cooldownSec, 5);
    // bob's next placement waits 5 s, not 300
    const b = await connect(srv.wsUrl, bob.token);
    assert.equal(b.messages[0].cooldownSec, 5);
    const placed = await b.placeAndWait(2, 2, 2, 'b1');
    assert.equal(placed.type, 'placed');
    const wait = placed.nextPlacement - Date.now();
    assert.ok(wait > 3000 && wait <= 5000, `bob waits ${wait} ms`);
    const early = await b.placeAndWait(3, 3, 3, 'b2');
    assert.equal(early.code, 'COOLDOWN');
    assert.ok(early.retryAfter <= 5000, `retryAfter ${early.retryAfter}`);
    a.close(); b.close();

    // a restart with the flag still at 300 keeps the stored 5
    assert.equal((await srv.stop()).code, 0);
    again = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '300'] });
    const c = await connect(again.wsUrl, bob.token);
    assert.equal(c.messages[0].cooldownSec, 5);
    assert.equal((await (await fetch(`${again.url}/api/v1/canvas/info`)).json()).cooldownSec, 5);
    // KEY=default: the flag's value again
    admin(again, '--set', 'cooldown=default');
    assert.equal((await c.next('settings', { cooldownSec: 300 })).frozen, false);
    c.close();
    assert.deepEqual(audit(again), [[me, 'set', 'cooldown=5'], [me, 'set', 'cooldown=default']]);
  } finally {
    if (again) await again.stop(); else await srv.stop();
    srv.cleanup();
  }
});

test('--set guests-can-place=no takes effect at once; a setting that is not live, or a bad value, is refused with the list and changes nothing', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    const alice = await register(srv, 'alice');
    const guest = await connect(srv.wsUrl, null);
    const a = await connect(srv.wsUrl, alice.token);
    assert.equal(guest.messages[0].guestsCanPlace, true);
    admin(srv, '--set', 'guests-can-place=no');
    assert.equal((await guest.next('settings', { guestsCanPlace: false })).cooldownSec, 0);
    assert.equal((await guest.placeAndWait(1, 1, 1, 'g')).code, 'NOT_ALLOWED');
    assert.equal((await a.placeAndWait(1, 1, 2, 'a')).type, 'placed');

    const before = guest.messages.length;
    for (const [arg, why] of [['port=1', /cannot be changed on a running server; these can: cooldown, guests-can-place/],
      ['cooldown=lots', /cooldown wants a whole number from 0 to 86400/],
      ['cooldown=-1', /cooldown wants a whole number/],
      ['guests-can-place=maybe', /wants yes or no/],
      ['cooldown', /KEY=VALUE/],
      ['nosuch=default', /cannot be changed on a running server/]]) {
      const r = runPlaced(['--data-dir', srv.dataDir, '--set', arg]);
      assert.notEqual(r.code, 0, arg);
      assert.match(r.stderr, why, arg);
    }
    const info = await (await fetch(`${srv.url}/api/v1/canvas/info`)).json();
    assert.equal(info.cooldownSec, 0);
    assert.equal(info.guestsCanPlace, false);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(guest.messages.slice(before).filter((m) => m.type === 'settings').length, 0,
      'a refused --set tells nobody anything');
    assert.deepEqual(audit(srv).map((r) => r[2]), ['guests-can-place=no'], 'a refused --set is no act');
    guest.close(); a.close();
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});
