// Live rules in cluster mode (placed --freeze / --unfreeze / --set) on real Redis, Kafka and
// PostgreSQL: an act through one process's control socket, or on Redis directly when no server
// runs on the directory, reaches the players of every process at once, and a process started
// later follows the stored rules over its own flags.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runPlaced } from '../server/lib/server.js';
import { startCluster } from './lib/cluster.js';
import { connect } from '../server/lib/client.js';

let cl;
const clients = [];
const open = async (url, token) => { const c = await connect(url, token); clients.push(c); return c; };

before(async () => {
  cl = await startCluster({ servers: 2, cooldown: 300, args: ['--cooldown-scope', 'account', '--guests-per-hour', '0'] });
});

after(async () => {
  for (const c of clients) c.close();
  if (cl) await cl.stop();
});

// An admin act through the control socket of server s.
function through(s, ...args) {
  const r = runPlaced([...cl.flags(), '--data-dir', s.dataDir, ...args]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /running server/);
}

test('--freeze through A: the players of B are told and refused FROZEN; --unfreeze on Redis directly reaches both', async () => {
  const [A, B] = cl.servers;
  const a = await open(A.wsUrl);
  const b = await open(B.wsUrl);
  through(A, '--freeze', '--reason', 'cluster maintenance');
  for (const c of [a, b]) {
    const s = await c.next('settings', { frozen: true }, 5000);
    assert.equal(s.frozenReason, 'cluster maintenance');
  }
  const e = await b.placeAndWait(1, 1, 1, 'frozen-b', 10000);
  assert.equal(e.code, 'FROZEN');
  assert.match(e.message, /cluster maintenance/);
  assert.equal((await a.placeAndWait(1, 2, 1, 'frozen-a', 10000)).code, 'FROZEN');

  const r = cl.admin('unfreeze', 'yes');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no server running/);
  await Promise.all([a, b].map((c) => c.next('settings', { frozen: false }, 5000)));
  assert.equal((await b.placeAndWait(1, 1, 1, 'thawed-b', 15000)).type, 'placed');
});

test('a freeze stored in Redis refuses placements in the placement script itself, before a process has heard of it', async () => {
  const [A] = cl.servers;
  const a = await open(A.wsUrl);
  // stored without the announcement: A's own view still says not frozen
  cl.redis.cli('HSET', '{place}:settings', 'frozen', 'yes');
  try {
    const e = await a.placeAndWait(3, 3, 3, 'unheard', 15000);
    assert.equal(e.type, 'error');
    assert.equal(e.code, 'FROZEN');
    assert.equal(a.messages.filter((m) => m.type === 'settings').length, 0, 'A was not told');
  } finally {
    cl.redis.cli('HDEL', '{place}:settings', 'frozen');
  }
  assert.equal((await a.placeAndWait(3, 3, 3, 'after', 15000)).type, 'placed');
});

test('--set cooldown=5 through B applies on A at once; a process started later follows it over its --cooldown 300', async () => {
  const [A, B] = cl.servers;
  const a = await open(A.wsUrl);
  through(B, '--set', 'cooldown=5');
  assert.equal((await a.next('settings', { cooldownSec: 5 }, 5000)).frozen, false);
  const r = await a.placeAndWait(2, 2, 2, 'five', 15000);
  assert.equal(r.type, 'placed');
  const wait = r.nextPlacement - Date.now();
  assert.ok(wait > 2000 && wait <= 5000, `waits ${wait} ms on A`);

  const C = await cl.addServer();
  const c = await open(C.wsUrl);
  assert.equal(c.messages[0].cooldownSec, 5, 'the stored cooldown, not the flag');
  assert.equal((await (await fetch(`${C.url}/api/v1/canvas/info`)).json()).cooldownSec, 5);
});
