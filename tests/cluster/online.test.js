// Players online across a cluster (docs/protocol.md, "Players online"): players on two
// processes count together through Redis, a player on both counts once, and the players of a
// process killed with -9 drop out once its entry runs out (10 s) plus a period (2 s).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from './lib/cluster.js';
import { connect, tokenFrom } from '../server/lib/client.js';

const PERIOD_MS = 2000;
const TTL_MS = 10000;
const SLACK_MS = 2000;

let cl;
const clients = [];
const open = async (url, token) => { const c = await connect(url, token); clients.push(c); return c; };

before(async () => {
  cl = await startCluster({ servers: 2, args: ['--cooldown-scope', 'account', '--guests-per-hour', '0'] });
});

after(async () => {
  for (const c of clients) c.close();
  if (cl) await cl.stop();
});

function shown(c) {
  for (let i = c.messages.length - 1; i >= 0; i--) {
    const m = c.messages[i];
    if (m.type === 'online') return m.count;
    if (m.type === 'init') return m.online;
  }
  return undefined;
}

const shows = (c, n, timeoutMs = 2 * PERIOD_MS + SLACK_MS) =>
  c.waitFor((cl2) => shown(cl2) === n, `the count ${n} (shows ${shown(c)})`, timeoutMs);

test('players on A and B count together; one leaving is seen on both within the period', async () => {
  const [A, B] = cl.servers;
  const a1 = await open(A.wsUrl);
  await shows(a1, 1);
  const b1 = await open(B.wsUrl);
  const a2 = await open(A.wsUrl);
  await Promise.all([a1, b1, a2].map((c) => shows(c, 3)));
  a2.close();
  const left = Date.now();
  // A tells Redis at its next tick, B reads it at its own: at most two periods
  await Promise.all([shows(a1, 2), shows(b1, 2)]);
  assert.ok(Date.now() - left <= 2 * PERIOD_MS + SLACK_MS, `${Date.now() - left} ms`);
  a1.close();
  b1.close();
});

test('one player with a socket on A and one on B counts once', async () => {
  const [A, B] = cl.servers;
  const res = await fetch(`${A.url}/api/v1/auth/me`);
  const token = tokenFrom(res);
  const onA = await open(A.wsUrl, token);
  await shows(onA, 1); // the previous test's players are gone
  const onB = await open(B.wsUrl, token);
  const other = await open(B.wsUrl);
  await Promise.all([onA, onB, other].map((c) => shows(c, 2)));
  onA.close();
  onB.close();
  await shows(other, 1);
  other.close();
});

test('the players of a process killed with -9 drop out when its entry runs out', async () => {
  const [A] = cl.servers;
  const C = await cl.addServer();
  const watcher = await open(A.wsUrl);
  await shows(watcher, 1);
  const doomed = [await open(C.wsUrl), await open(C.wsUrl)];
  await shows(watcher, 3);
  await C.kill9(); // no clean stop: C never tells Redis its players left
  const killed = Date.now();
  await Promise.all(doomed.map((c) => c.closedWith()));
  // C's entry was renewed at most a period before the kill, so it lives on 8 s at least
  await new Promise((r) => setTimeout(r, 2 * PERIOD_MS));
  assert.equal(shown(watcher), 3, 'a process is not taken for dead before its entry runs out');
  await shows(watcher, 1, TTL_MS + 2 * PERIOD_MS + SLACK_MS);
  assert.ok(Date.now() - killed <= TTL_MS + 2 * PERIOD_MS + SLACK_MS, `${Date.now() - killed} ms`);
});
