// A flood of concurrent logins: password checks (argon2id, 64 MiB each) are bounded; the excess
// is answered at once with 503 UNAVAILABLE and a JSON body, the rest of the server keeps
// answering, and a normal login works once the flood is over.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { test } from 'node:test';
import { startServer } from './lib/server.js';

const json = { 'content-type': 'application/json' };

// One POST on its own connection (no pooling), so every request is in flight at once.
function post(port, path, body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({
      host: '127.0.0.1', port, path, method: 'POST', agent: false,
      headers: { ...json, 'content-length': Buffer.byteLength(data) },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

test('a login flood gets 503 UNAVAILABLE beyond the bound; others keep being served', async () => {
  const srv = await startServer();
  try {
    const reg = await post(srv.port, '/api/v1/auth/register', { username: 'flooded', password: 'password123' });
    assert.equal(reg.status, 200, reg.text);

    const N = 150;
    const flood = [];
    for (let i = 0; i < N; i++) flood.push(post(srv.port, '/api/v1/auth/login', { username: 'flooded', password: `wrong-${i}-password` }));
    // meanwhile the rest of the API answers
    const info = await fetch(`${srv.url}/api/v1/canvas/info`);
    assert.equal(info.status, 200);
    const hist = await fetch(`${srv.url}/api/v1/pixel?x=1&y=1`);
    assert.equal(hist.status, 200);
    const answers = await Promise.all(flood);
    const byStatus = {};
    for (const a of answers) byStatus[a.status] = (byStatus[a.status] || 0) + 1;
    for (const a of answers) {
      assert.ok(a.status === 401 || a.status === 503, `status ${a.status}: ${a.text}`);
      const body = JSON.parse(a.text);
      if (a.status === 401) assert.equal(body.error, 'BAD_CREDENTIALS');
      else {
        assert.equal(body.error, 'UNAVAILABLE');
        assert.ok(body.message.length > 0);
        assert.equal(a.headers['retry-after'], '1');
      }
    }
    assert.ok(byStatus[503] > 0, `some logins were turned away: ${JSON.stringify(byStatus)}`);
    assert.ok(byStatus[401] > 0, `some were checked: ${JSON.stringify(byStatus)}`);
    // argon2id holds 64 MiB per running check: a bounded number of them keeps RSS modest
    const rss = rssKiB(srv.proc.pid);
    assert.ok(rss < 1024 * 1024, `placed RSS ${rss} KiB`);

    const ok = await post(srv.port, '/api/v1/auth/login', { username: 'flooded', password: 'password123' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(JSON.parse(ok.text).username, 'flooded');
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});
