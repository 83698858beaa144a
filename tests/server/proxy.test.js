// Behind a trusted proxy (nginx in front, as docs/deploy.md sets it up; nginx is the real
// program): placed counts each player by the address nginx names, in X-Forwarded-For or
// X-Real-IP; a forged header is worth nothing, whether it comes through nginx (nginx appends the
// real address, read from the right) or straight from an address that is not a trusted proxy.
// Players are loopback addresses: 127.0.0.3 and 127.0.0.4 reach nginx, 127.0.0.6 goes around it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Nginx } from '../cluster/lib/services.js';
import { connect } from './lib/client.js';
import { startServer } from './lib/server.js';

async function withNginx(forward, fn) {
  const srv = await startServer({ args: ['--cooldown', '300', '--trusted-proxy', '127.0.0.1'] });
  const nginx = await new Nginx().start([srv.port], { forward });
  const open = [];
  const via = async (from, headers = {}, origin = undefined) => {
    const c = await connect(`${nginx.url.replace('http', 'ws')}/ws`, null, { localAddress: from, headers, origin });
    open.push(c);
    return c;
  };
  const direct = async (from, headers = {}) => {
    const c = await connect(srv.wsUrl, null, { localAddress: from, headers });
    open.push(c);
    return c;
  };
  try {
    await fn({ srv, via, direct, nginx });
  } finally {
    for (const c of open) c.close();
    await nginx.destroy();
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
}

test('nginx with X-Forwarded-For: two players keep separate cooldowns; forged headers count as their sender', async () => {
  await withNginx('xff', async ({ via, direct }) => {
    const p1 = await via('127.0.0.3');
    assert.equal((await p1.placeAndWait(1, 1, 5, 'p1')).type, 'placed');
    // the same player as a new guest (no cookie): the address 127.0.0.3 is in cooldown
    const again = await via('127.0.0.3');
    const e = await again.placeAndWait(2, 1, 5, 'p1-again');
    assert.equal(e.code, 'COOLDOWN', 'nginx named 127.0.0.3 and placed believed it');
    // another player behind the same nginx: its own cooldown
    const p2 = await via('127.0.0.4');
    assert.equal((await p2.placeAndWait(3, 1, 5, 'p2')).type, 'placed');
    // a player forging "I am 127.0.0.9" through nginx: nginx appends the real address, which
    // is the one counted (placed reads from the right), so 127.0.0.4's cooldown holds
    const forged = await via('127.0.0.4', { 'x-forwarded-for': '127.0.0.9' });
    assert.equal((await forged.placeAndWait(4, 1, 5, 'forged')).code, 'COOLDOWN');
    // straight to placed from an address that is not a trusted proxy: the header is ignored,
    // the sender is counted as itself
    const around = await direct('127.0.0.6', { 'x-forwarded-for': '127.0.0.9' });
    assert.equal((await around.placeAndWait(5, 1, 5, 'around')).type, 'placed');
    const around2 = await direct('127.0.0.6', { 'x-forwarded-for': '127.0.0.10' });
    assert.equal((await around2.placeAndWait(6, 1, 5, 'around2')).code, 'COOLDOWN',
      'a new forged address does not start over');
    // and 127.0.0.9, named in the forgeries, was never charged
    const nine = await via('127.0.0.9');
    assert.equal((await nine.placeAndWait(7, 1, 5, 'nine')).type, 'placed');
  });
});

test('nginx with X-Real-IP: the address it names is the one counted', async () => {
  await withNginx('real-ip', async ({ via }) => {
    const p1 = await via('127.0.0.3');
    assert.equal((await p1.placeAndWait(1, 2, 6, 'p1')).type, 'placed');
    const again = await via('127.0.0.3');
    assert.equal((await again.placeAndWait(2, 2, 6, 'p1-again')).code, 'COOLDOWN');
    const p2 = await via('127.0.0.4');
    assert.equal((await p2.placeAndWait(3, 2, 6, 'p2')).type, 'placed', 'not one player: nginx named each');
  });
});

test('through nginx, the page nginx serves may open the socket, another site may not', async () => {
  await withNginx('xff', async ({ via, nginx }) => {
    // a browser sends the page's origin: nginx's address, which placed sees as Host
    const page = await via('127.0.0.3', {}, nginx.url);
    assert.equal((await page.placeAndWait(1, 3, 7, 'page')).type, 'placed');
    await assert.rejects(via('127.0.0.4', {}, 'http://evil.example'), (e) => e.status === 403);
  });
});
