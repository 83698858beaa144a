// HTTP edge cases: what placed does not implement is refused with a clear status and the
// connection closed, so that nothing is left to be misread as the next request; an h2c upgrade is
// ignored (answered as HTTP/1.1, never 101); pipelined requests are answered in order; static
// files are only regular files under the web root, never dotfiles nor links leading out of it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { rawExchange, request, statuses } from './lib/http.js';
import { startServer } from './lib/server.js';

const info = 'GET /api/v1/canvas/info HTTP/1.1\r\nHost: x\r\n\r\n';
const post = (p, body, extra = '') =>
  `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}\r\n${body}`;

test('invalid Content-Length and chunked bodies are refused and the connection closed', async () => {
  const srv = await startServer();
  try {
    for (const cl of ['-1', '+2', '2, 2', '0x2', '99999999999999999999']) {
      const r = await rawExchange(srv.port, post('/api/v1/auth/login', '{}', `Content-Length: ${cl}\r\n`) + info);
      assert.deepEqual(statuses(r.text), [400], `Content-Length ${cl}: ${r.text}`);
      assert.match(r.text, /"error":"BAD_REQUEST"/);
      assert.ok(r.closed, `closed after Content-Length ${cl}`);
    }
    const chunked = await rawExchange(srv.port,
      post('/api/v1/auth/login', '2\r\n{}\r\n0\r\n\r\n', 'Transfer-Encoding: chunked\r\n') + info);
    assert.deepEqual(statuses(chunked.text), [411], chunked.text);
    assert.ok(chunked.closed);
    // the server is fine
    assert.equal((await request(srv.port, '/api/v1/canvas/info')).status, 200);
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('Upgrade: h2c is ignored: the request is answered as HTTP/1.1', async () => {
  const srv = await startServer();
  try {
    const r = await rawExchange(srv.port, 'GET /api/v1/canvas/info HTTP/1.1\r\nHost: x\r\n' +
      'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n', { timeoutMs: 1500 });
    assert.deepEqual(statuses(r.text), [200], r.text);
    assert.match(r.text, /"width":64/);
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('pipelined requests are answered in order', async () => {
  const srv = await startServer();
  try {
    // a GET after a POST
    const r = await rawExchange(srv.port, post('/api/v1/auth/logout', '{}', 'Content-Length: 2\r\n') + info, { timeoutMs: 1500 });
    assert.deepEqual(statuses(r.text), [200, 200], r.text);
    assert.ok(r.text.indexOf('"success":true') < r.text.indexOf('"width":64'), 'in order');
    // a GET after a page (a static file)
    const p = await rawExchange(srv.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' + info, { timeoutMs: 1500 });
    assert.deepEqual(statuses(p.text), [200, 200], p.text);
    assert.ok(p.text.indexOf('<html') < p.text.indexOf('"width":64'), 'in order');
    // a POST behind a GET: answered, or the connection closed at once (lws 4.1.6 cannot read
    // it); never a connection left hanging
    const t0 = Date.now();
    const g = await rawExchange(srv.port, info + post('/api/v1/auth/logout', '{}', 'Content-Length: 2\r\n'), { timeoutMs: 3000 });
    assert.equal(statuses(g.text)[0], 200);
    assert.ok(g.closed || statuses(g.text).length === 2, `GET then POST: ${JSON.stringify(statuses(g.text))}, closed ${g.closed}`);
    assert.ok(Date.now() - t0 < 2000);
    assert.equal((await request(srv.port, '/api/v1/canvas/info')).status, 200);
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('static files: no dotfiles, no links out of the web root', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'placed-web-'));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'placed-out-'));
  fs.writeFileSync(path.join(root, 'index.html'), '<html>page</html>');
  fs.writeFileSync(path.join(root, '.env'), 'SECRET=1');
  fs.mkdirSync(path.join(root, '.git'));
  fs.writeFileSync(path.join(root, '.git', 'config'), 'secret');
  fs.mkdirSync(path.join(root, 'js'));
  fs.writeFileSync(path.join(root, 'js', 'app.js'), 'let ok = 1;');
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside');
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'secret.txt'));
  fs.symlinkSync('/etc/passwd', path.join(root, 'passwd.js'));
  fs.symlinkSync(outside, path.join(root, 'out'));
  fs.symlinkSync('js/app.js', path.join(root, 'alias.js'));
  fs.mkdirSync(path.join(root, 'dir.js'));
  const srv = await startServer({ args: ['--web-root', root] });
  try {
    for (const p of ['/.env', '/.git/config', '/js/../.env', '/secret.txt', '/passwd.js', '/out/secret.txt', '/dir.js', '/js/.', '/nothing.js']) {
      const r = await request(srv.port, p);
      assert.equal(r.status, 404, `${p}: ${r.status} ${r.text}`);
      assert.ok(!/SECRET|secret|outside|root:/.test(r.text), `${p} leaked ${r.text}`);
    }
    const app = await request(srv.port, '/js/app.js');
    assert.equal(app.status, 200);
    assert.equal(app.text, 'let ok = 1;');
    assert.match(app.headers['content-type'], /javascript/);
    const alias = await request(srv.port, '/alias.js'); // a link within the root is fine
    assert.equal(alias.status, 200);
    assert.equal(alias.text, 'let ok = 1;');
    assert.equal((await request(srv.port, '/')).text, '<html>page</html>');
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});
