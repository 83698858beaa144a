// Names a player cannot tell apart are one name; "guest-" names are the guests'; passwords that
// are too short, only spaces, or among the most common are refused with words a player reads.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './lib/server.js';

let srv;
before(async () => { srv = await startServer({ args: ['--registrations-per-hour', '0', '--guests-per-hour', '0'] }); });
after(async () => {
  assert.equal((await srv.stop()).code, 0);
  srv.cleanup();
});

const json = { 'content-type': 'application/json' };
const post = async (path, body) => {
  const res = await fetch(`${srv.url}${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};

test('usernames are unique without regard to case and to I/l/1 and O/0', async () => {
  assert.equal((await post('/api/v1/auth/register', { username: 'alice', password: 'correct horse' })).status, 200);
  for (const twin of ['Alice', 'ALICE', 'aIice', 'a1ice', 'AL1CE']) {
    const r = await post('/api/v1/auth/register', { username: twin, password: 'correct horse' });
    assert.equal(r.status, 409, twin);
    assert.equal(r.body.error, 'USERNAME_TAKEN');
    assert.match(r.body.message, /whatever their case/);
  }
  assert.equal((await post('/api/v1/auth/register', { username: 'bob0', password: 'correct horse' })).status, 200);
  assert.equal((await post('/api/v1/auth/register', { username: 'BOBO', password: 'correct horse' })).status, 409);
  // the name as registered is kept; logging in with any spelling of it reaches the same account
  const login = await post('/api/v1/auth/login', { username: 'ALICE', password: 'correct horse' });
  assert.equal(login.status, 200);
  assert.equal(login.body.username, 'alice');
});

test('names starting with guest- are kept for guests', async () => {
  for (const name of ['guest-1234abcd', 'Guest-xyz', 'guest_me']) {
    const r = await post('/api/v1/auth/register', { username: name, password: 'correct horse' });
    assert.equal(r.status, 400, name);
    assert.equal(r.body.error, 'BAD_USERNAME');
    assert.match(r.body.message, /belong to guests/);
  }
  assert.equal((await post('/api/v1/auth/register', { username: 'guesthouse', password: 'correct horse' })).status, 200);
});

test('passwords: at least 8 characters, not only spaces, not one of the most common', async () => {
  const cases = [
    ['        ', /only spaces/],
    ['\t \t \t \t ', /only spaces/],
    ['password', /most common/],
    ['PASSWORD', /most common/],
    ['12345678', /most common/],
    ['qwertyuiop', /most common/],
    ['ééé', /8 to 256 bytes|at least 8 characters/],
    ['éééé', /at least 8 characters/], // 8 bytes, 4 characters
  ];
  let i = 0;
  for (const [password, words] of cases) {
    const r = await post('/api/v1/auth/register', { username: `pw_user_${i++}`, password });
    assert.equal(r.status, 400, JSON.stringify(password));
    assert.equal(r.body.error, 'BAD_PASSWORD');
    assert.match(r.body.message, words);
  }
  assert.equal((await post('/api/v1/auth/register', { username: 'pw_user_ok', password: 'eight ok' })).status, 200);
});
