// The embedded server's snapshot when nobody has asked for one for a while: it gzips no canvas
// then, so the first request after a quiet spell waits for a new snapshot, and every request
// made meanwhile gets that one: each shows every placement acknowledged before it was asked.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, fetchSnapshot } from './lib/client.js';
import { startServer } from './lib/server.js';

let srv;
before(async () => { srv = await startServer({ args: ['--cooldown', '0', '--guests-per-hour', '0'] }); });
after(async () => {
  const st = await srv.stop();
  assert.equal(st.code, 0, `placed exit status ${JSON.stringify(st)}`);
  srv.cleanup();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('after a quiet spell, requests made together all get a snapshot that shows the last placement', async () => {
  const a = await connect(srv.wsUrl);
  let last;
  for (let i = 0; i < 3; i++) {
    last = await a.placeAndWait(3 + i, 7, 9, `q${i}`);
    assert.equal(last.type, 'placed', JSON.stringify(last));
  }
  // the snapshot taken at start is now older than two seconds, and nobody has asked for one
  await sleep(2500);
  const got = await Promise.all([0, 1, 2, 3, 4].map(() => fetchSnapshot(srv.url)));
  for (const { snap } of got) {
    assert.ok(snap.seq >= last.seq, `snapshot seq ${snap.seq} < acknowledged ${last.seq}`);
    assert.equal(snap.get(3, 7), 9);
    assert.equal(snap.get(5, 7), 9);
    assert.equal(snap.get(6, 7), 0);
  }
  // a placement acknowledged now shows within a second or two while requests keep coming
  const next = await a.placeAndWait(20, 21, 4, 'q9');
  assert.equal(next.type, 'placed');
  let snap;
  for (let i = 0; i < 40; i++) {
    ({ snap } = await fetchSnapshot(srv.url));
    if (snap.seq >= next.seq) break;
    await sleep(100);
  }
  assert.equal(snap.get(20, 21), 4, `snapshot seq ${snap.seq}, placement ${next.seq}`);
  a.close();
});
