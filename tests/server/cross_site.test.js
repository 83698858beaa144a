// Requests another site makes a browser send: a WebSocket opened by a page elsewhere carries the
// player's cookie and an Origin that is not the server's, and is refused unless --allowed-origin
// lists it; native clients send no Origin and are served.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, connect } from './lib/client.js';
import { request } from './lib/http.js';
import { startServer } from './lib/server.js';

async function registered(srv, name) {
  const r = await request(srv.port, '/api/v1/auth/register', { method: 'POST', body: { username: name, password: 'long passphrase 1' } });
  assert.equal(r.status, 200, r.text);
  return /place_session=([0-9a-f]{64})/.exec(r.headers['set-cookie'].join(';'))[1];
}

test('a WebSocket from another origin is refused, even with the player\'s session', async () => {
  const srv = await startServer({ args: ['--cooldown', '0', '--allowed-origin', 'https://place.example, http://app.example:8000'] });
  try {
    const token = await registered(srv, 'victim');
    const evil = new Client(srv.wsUrl, token, { origin: 'http://evil.example' });
    await assert.rejects(evil.opened, (e) => e.status === 403);
    evil.close();
    // a look-alike of the server's own origin is not it
    const near = new Client(srv.wsUrl, token, { origin: `http://127.0.0.1:${srv.port}.evil.example` });
    await assert.rejects(near.opened, (e) => e.status === 403);
    near.close();
    // the server's own origin (the page it serves), a listed one, and none (native) are served
    for (const origin of [`http://127.0.0.1:${srv.port}`, 'https://place.example', 'http://app.example:8000', undefined]) {
      const c = await connect(srv.wsUrl, token, { origin });
      assert.equal((await c.placeAndWait(1, 1, 2, 'o')).type, 'placed', `origin ${origin}`);
      c.close();
    }
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('login and registration take only application/json (no login CSRF from a form)', async () => {
  const srv = await startServer();
  try {
    const body = JSON.stringify({ username: 'attacker', password: 'long passphrase 1' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const headers = type ? { 'content-type': type } : { 'content-type': '' };
      for (const path of ['/api/v1/auth/register', '/api/v1/auth/login']) {
        const r = await request(srv.port, path, { method: 'POST', body, headers });
        assert.equal(r.status, 415, `${path} as ${type}: ${r.text}`);
        assert.equal(JSON.parse(r.text).error, 'BAD_REQUEST');
      }
    }
    // nothing was registered: the name is still free
    const ok = await request(srv.port, '/api/v1/auth/register', { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8' } });
    assert.equal(ok.status, 200, ok.text);
    const login = await request(srv.port, '/api/v1/auth/login', { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    assert.equal(login.status, 415);
    assert.equal(login.headers['set-cookie'], undefined, 'no session set');
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});
