// The address counts too: a cooldown started from an address holds for the guests newly made
// from it (a player who logs out or drops the cookie does not start over), registered players
// keep their own, and new guests and registrations are a budget per address per hour. Other
// players are other loopback addresses (127.0.0.2, 127.0.0.3): the server sees them as such.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, request } from './lib/client.js';
import { startServer } from './lib/server.js';

const A = '127.0.0.1';
const B = '127.0.0.2';
const json = { 'content-type': 'application/json' };
const bearer = (t) => ({ authorization: `Bearer ${t}` });

async function guest(srv, from) {
  const r = await request(`${srv.url}/api/v1/auth/me`, { localAddress: from });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.token, 'a new guest gets a cookie');
  return { token: r.token, ...r.json() };
}

async function register(srv, username, from, token) {
  const r = await request(`${srv.url}/api/v1/auth/register`, {
    method: 'POST', localAddress: from, headers: { ...json, ...(token ? bearer(token) : {}) },
    body: { username, password: 'correct horse battery' },
  });
  return r;
}

test('logout bypass: a logged-out guest waits out the cooldown from the same address; another address may place', async () => {
  const srv = await startServer({ args: ['--cooldown', '300'] });
  try {
    const g = await guest(srv, A);
    const c = await connect(srv.wsUrl, g.token, { localAddress: A });
    assert.equal((await c.placeAndWait(1, 1, 3, 'first')).type, 'placed');
    c.close();

    // "Log out": the session ends, the cookie is cleared
    const out = await request(`${srv.url}/api/v1/auth/logout`, { method: 'POST', headers: bearer(g.token), localAddress: A });
    assert.equal(out.status, 200);
    // the logged-out player is a new guest of the same address: it waits for the cooldown
    const again = await guest(srv, A);
    assert.notEqual(again.userId, g.userId);
    assert.ok(again.nextPlacement > Date.now() + 250000, `new guest's nextPlacement ${again.nextPlacement}`);
    const c2 = await connect(srv.wsUrl, again.token, { localAddress: A });
    assert.ok(c2.messages[0].cooldown > 250000, `init cooldown ${c2.messages[0].cooldown}`);
    const e = await c2.placeAndWait(2, 2, 3, 'after-logout');
    assert.equal(e.type, 'error');
    assert.equal(e.code, 'COOLDOWN');
    assert.ok(e.retryAfter > 250000 && e.retryAfter <= 300000, `retryAfter ${e.retryAfter}`);
    c2.close();

    // dropping the cookie (a socket with no session at all) is the same
    const bare = await connect(srv.wsUrl, null, { localAddress: A });
    const e2 = await bare.placeAndWait(3, 3, 3, 'no-cookie');
    assert.equal(e2.code, 'COOLDOWN');
    bare.close();

    // another address is another player
    const other = await connect(srv.wsUrl, null, { localAddress: B });
    assert.equal(other.messages[0].cooldown, 0);
    assert.equal((await other.placeAndWait(4, 4, 3, 'other')).type, 'placed');
    other.close();
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('registered players behind one address keep one cooldown each; guests from it wait', async () => {
  const srv = await startServer({ args: ['--cooldown', '300'] });
  try {
    const alice = await register(srv, 'alice', A);
    const bob = await register(srv, 'bob', A);
    assert.equal(alice.status, 200, alice.text);
    assert.equal(bob.status, 200, bob.text);
    const a = await connect(srv.wsUrl, alice.token, { localAddress: A });
    const b = await connect(srv.wsUrl, bob.token, { localAddress: A });
    assert.equal((await a.placeAndWait(1, 1, 2, 'alice')).type, 'placed');
    assert.equal((await b.placeAndWait(2, 1, 2, 'bob')).type, 'placed', 'bob has his own cooldown');
    assert.equal((await a.placeAndWait(3, 1, 2, 'alice2')).code, 'COOLDOWN');
    a.close();
    b.close();
    // alice logs out and comes back as a guest: the address is in cooldown
    const g = await connect(srv.wsUrl, null, { localAddress: A });
    assert.equal((await g.placeAndWait(4, 1, 2, 'guest')).code, 'COOLDOWN');
    g.close();
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('--cooldown-scope address: everyone from an address shares one cooldown; account: each account its own', async () => {
  const shared = await startServer({ args: ['--cooldown', '300', '--cooldown-scope', 'address'] });
  try {
    const alice = await register(shared, 'alice', A);
    const bob = await register(shared, 'bob', A);
    const a = await connect(shared.wsUrl, alice.token, { localAddress: A });
    const b = await connect(shared.wsUrl, bob.token, { localAddress: A });
    assert.equal((await a.placeAndWait(1, 1, 2, 'alice')).type, 'placed');
    assert.equal((await b.placeAndWait(2, 1, 2, 'bob')).code, 'COOLDOWN');
    a.close();
    b.close();
  } finally {
    assert.equal((await shared.stop()).code, 0);
    shared.cleanup();
  }
  const own = await startServer({ args: ['--cooldown', '300', '--cooldown-scope', 'account'] });
  try {
    const g1 = await connect(own.wsUrl, null, { localAddress: A });
    const g2 = await connect(own.wsUrl, null, { localAddress: A });
    assert.equal((await g1.placeAndWait(1, 1, 2, 'g1')).type, 'placed');
    assert.equal((await g2.placeAndWait(2, 1, 2, 'g2')).type, 'placed', 'account scope: a new guest starts over');
    g1.close();
    g2.close();
  } finally {
    assert.equal((await own.stop()).code, 0);
    own.cleanup();
  }
});

test('--cooldown-scope with a bad value is refused', async () => {
  const { runPlaced } = await import('./lib/server.js');
  const r = runPlaced(['--cooldown-scope', 'everyone']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--cooldown-scope wants account, guests or address/);
});

test('guest budget: the N+1-th new guest from one address in an hour gets 429; another address is unaffected', async () => {
  const srv = await startServer({ args: ['--guests-per-hour', '3'] });
  try {
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await guest(srv, A));
    const over = await request(`${srv.url}/api/v1/auth/me`, { localAddress: A });
    assert.equal(over.status, 429);
    assert.equal(over.json().error, 'RATE_LIMITED');
    const retry = Number(over.headers['retry-after']);
    assert.ok(retry > 3500 && retry <= 3600, `Retry-After ${over.headers['retry-after']}`);
    assert.equal(over.token, null, 'no guest was made');
    // a WebSocket without a session is the same new guest: refused before the upgrade
    await assert.rejects(connect(srv.wsUrl, null, { localAddress: A }), (e) => e.status === 429);
    // players who have a session go on
    const c = await connect(srv.wsUrl, made[0].token, { localAddress: A });
    assert.equal(c.messages[0].user.userId, made[0].userId);
    c.close();
    // the page itself stays open (viewing needs no guest)
    assert.equal((await request(`${srv.url}/`, { localAddress: A })).status, 200);
    // another address has its own budget
    await guest(srv, B);
    const cb = await connect(srv.wsUrl, null, { localAddress: B });
    cb.close();
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('registration budget: the N+1-th registration from one address in an hour gets 429', async () => {
  const srv = await startServer({ args: ['--registrations-per-hour', '2'] });
  try {
    assert.equal((await register(srv, 'one_user', A)).status, 200);
    assert.equal((await register(srv, 'two_user', A)).status, 200);
    const third = await register(srv, 'three_user', A);
    assert.equal(third.status, 429, third.text);
    assert.equal(third.json().error, 'RATE_LIMITED');
    assert.ok(Number(third.headers['retry-after']) > 0);
    // the name was not taken by the refused attempt, and another address may register
    const other = await register(srv, 'three_user', B);
    assert.equal(other.status, 200, other.text);
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});
