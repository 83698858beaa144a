// tests/server's integration tests (written for the embedded mode), run against cluster mode:
// real Redis, Kafka and PostgreSQL, every placed in cluster mode (lib/server_hook.js).
// Same protocol, same REST API: the same tests must pass.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis, Postgres, Kafka } from './lib/services.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const serverTests = path.join(here, '..', 'server');
let redis;
let pg;
let kafka;

before(async () => {
  redis = new Redis();
  pg = new Postgres();
  kafka = new Kafka();
  await Promise.all([redis.start(), pg.start(), kafka.start()]);
});

after(async () => {
  await Promise.all([redis?.destroy(), pg?.destroy(), kafka?.destroy()]);
});

// The files checked in cluster mode, named so that a test added to tests/server later joins
// here once it was seen to pass against a cluster (add it to this list), not by surprise in CI.
// PLACE_SUITE_ONLY=address,admin runs only those (when working on them; ctest runs them all).
const only = process.env.PLACE_SUITE_ONLY ? process.env.PLACE_SUITE_ONLY.split(',') : null;
const files = ['accounts', 'acks', 'address', 'admin', 'bans', 'proxy', 'auth', 'bad_input', 'durability', 'guests', 'http_idle', 'limits',
  'login_flood', 'moderation', 'online', 'place', 'slow_client', 'live', 'history', 'export'].filter((n) => !only || only.includes(n)).map((n) => `${n}.test.js`)
  .filter((f) => fs.existsSync(path.join(serverTests, f)));

for (const f of files) {
  test(`tests/server/${f} in cluster mode`, async () => {
    const env = {
      ...process.env,
      PLACE_TEST_SERVER_HOOK: path.join(here, 'lib', 'server_hook.js'),
      PLACE_TEST_CLUSTER: JSON.stringify({ redisPort: redis.port, pgPort: pg.port, kafka: kafka.brokers }),
    };
    delete env.NODE_TEST_CONTEXT; // a test runner of its own, not a child of this one
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', path.join(serverTests, f)],
      { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, `tests/server/${f} failed in cluster mode:\n${out}`);
    const ran = out.match(/ℹ pass (\d+)/);
    assert.ok(ran && Number(ran[1]) > 0, `no test ran:\n${out}`);
    if (process.env.PLACE_TEST_VERBOSE) console.log(out);
  });
}
