// Moderation of pixels and the audit log (issue 14): --revert-user, --wipe, --restore --at and
// --audit, through a second `placed` invocation on a running server (its control socket) and on
// a stopped one (the store directly).
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { tokenFrom } from './lib/client.js';
import { runPlaced, startServer } from './lib/server.js';

const json = { 'content-type': 'application/json' };
const me = `os:${os.userInfo().username}`;

async function register(srv, username) {
  const res = await fetch(`${srv.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ username, password: 'long passphrase 1' }) });
  assert.equal(res.status, 200);
  return { token: tokenFrom(res), ...(await res.json()) };
}

// `placed --audit` as rows: [{ when, who, act, what, pixels }]
function audit(dataDir, extra = []) {
  const r = runPlaced(['--data-dir', dataDir, '--audit', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((line) => {
    const [when, who, act, ...rest] = line.split('  ');
    const m = rest.join('  ').match(/^(.*?)(?:  \((\d+) pixels? changed\))?$/);
    return { when, who, act, what: m[1], pixels: m[2] === undefined ? null : Number(m[2]) };
  });
}

test('ban, unban and grant are on record with who did them, after a restart too', async () => {
  let srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    await register(srv, 'alice');
    await register(srv, 'bob');
    assert.deepEqual(audit(srv.dataDir), [], 'a new store has an empty log');
    const t0 = Date.now();
    for (const args of [['--ban', 'alice', '--reason', 'spam\tand more'], ['--unban', 'alice'], ['--grant-admin', 'bob']]) {
      const r = runPlaced(['--data-dir', srv.dataDir, ...args]);
      assert.equal(r.code, 0, r.stderr);
    }
    // a refused act is not an act
    assert.notEqual(runPlaced(['--data-dir', srv.dataDir, '--ban', 'nobody-here']).code, 0);
    await srv.stop();
    // with no server running, the act goes to the store and on record too
    assert.equal(runPlaced(['--data-dir', srv.dataDir, '--ban', 'bob', '--for', '1h']).code, 0);
    srv = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '0'] });
    const rows = audit(srv.dataDir);
    assert.deepEqual(rows.map((r) => [r.who, r.act, r.what, r.pixels]), [
      [me, 'ban', 'user alice, reason: spam and more', null],
      [me, 'unban', 'user alice', null],
      [me, 'grant', 'user bob', null],
      [me, 'ban', rows[3].what, null],
    ]);
    assert.match(rows[3].what, /^user bob, until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (const r of rows) {
      const t = Date.parse(r.when);
      assert.ok(t >= t0 - 1000 && t <= Date.now() + 1000, `${r.when} is when it happened`);
    }
    // --since keeps the later ones
    const last = Date.parse(rows[3].when);
    assert.deepEqual(audit(srv.dataDir, ['--since', new Date(last).toISOString()]).map((r) => r.act), ['ban']);
    assert.equal(audit(srv.dataDir, ['--since', '-1h']).length, 4);
    const bad = runPlaced(['--data-dir', srv.dataDir, '--audit', '--since', 'yesterday-ish']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a time/);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});
