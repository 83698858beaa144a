// placed --export-png and placed --timelapse (issue 18) against a running server's store: the
// images are decoded by a real PNG/GIF reader (tests/unit/image_probe.c: libpng, giflib) and
// compared pixel by pixel, by colour, with what a viewer recorded live.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, decodeBatch, paintMany } from './lib/client.js';
import { runPlaced, startServer, tempDir } from './lib/server.js';

const W = 64;
const H = 64;
const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function probePath() {
  if (process.env.PLACE_IMAGE_PROBE) return process.env.PLACE_IMAGE_PROBE;
  const p = path.resolve(here, '../../build/tests/unit/place_image_probe');
  if (fs.existsSync(p)) return p;
  throw new Error('place_image_probe not found: set PLACE_IMAGE_PROBE');
}

function probe(file) {
  const r = spawnSync(probePath(), [file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `cannot decode ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// The canvas (W x H colour indices) once the viewer had applied every pixel up to seq n.
function canvasAt(pixels, n) {
  const c = new Uint8Array(W * H);
  for (const p of pixels) if (p.seq <= n) c[p.y * W + p.x] = p.color;
  return c;
}

// The expected image of the canvas c: region (x, y, w, h), each pixel scale x scale.
function expectImage(c, { x = 0, y = 0, w = W, h = H, scale = 1 } = {}) {
  let s = '';
  for (let j = 0; j < h * scale; j++) {
    for (let i = 0; i < w * scale; i++) s += c[(y + Math.floor(j / scale)) * W + x + Math.floor(i / scale)].toString(16);
  }
  return s;
}

async function recorded(viewer, seq) {
  await viewer.waitFor((c) => c.batches.some((b) => b.lastSeq >= seq), `viewer at ${seq}`, 10000);
  return viewer.batches.flatMap((b) => b.pixels);
}

// 30 placements in three groups of ten, each group drawing its own colours over a 6x5 corner
function group(g) {
  const px = [];
  for (let i = 0; i < 10; i++) px.push([(i + 3 * g) % 6, Math.floor((i + 3 * g) / 6) % 5, ((i + 5 * g) % 15) + 1]);
  return px;
}

test('--export-png and --timelapse of a running server decode to the recorded canvases', async () => {
  const srv = await startServer({ args: ['--cooldown', '0', '--batch-ms', '20', '--checkpoint-every', '10'] });
  const out = tempDir();
  const viewer = await connect(srv.wsUrl);
  try {
    for (let g = 0; g < 3; g++) {
      await paintMany(srv.wsUrl, group(g), { bots: 1, base: 60 + g });
      if (g < 2) await sleep(2300);
    }
    const pixels = await recorded(viewer, 30);
    assert.equal(pixels.length, 30);
    // cluster mode: the exports read PostgreSQL, which the history writer fills a moment later
    for (let i = 0; i < 100; i++) {
      const b = decodeBatch(Buffer.from(await (await fetch(`${srv.url}/api/v1/history?from=0`)).arrayBuffer()));
      if (b.lastSeq === 30) break;
      await sleep(100);
    }
    // the canvas size is the store's (embedded) or, in cluster mode, the flags'
    const dd = ['--data-dir', srv.dataDir, '--width', String(W), '--height', String(H)];

    // the canvas now, as a PNG, while the server runs
    let r = runPlaced([...dd, '--export-png', path.join(out, 'now.png')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /the canvas at seq 30/);
    let img = probe(path.join(out, 'now.png'));
    assert.equal(img.width, W);
    assert.equal(img.height, H);
    assert.equal(img.frames[0].pixels, expectImage(canvasAt(pixels, 30)));

    // at a seq, scaled; and a region
    r = runPlaced([...dd, '--export-png', path.join(out, 's13.png'), '--seq', '13', '--scale', '3']);
    assert.equal(r.code, 0, r.stderr);
    img = probe(path.join(out, 's13.png'));
    assert.equal(img.width, 3 * W);
    assert.equal(img.frames[0].pixels, expectImage(canvasAt(pixels, 13), { scale: 3 }));
    r = runPlaced([...dd, '--export-png', path.join(out, 'reg.png'), '--seq', '25', '--region', '1,1,4,3']);
    assert.equal(r.code, 0, r.stderr);
    img = probe(path.join(out, 'reg.png'));
    assert.equal(img.width, 4);
    assert.equal(img.height, 3);
    assert.equal(img.frames[0].pixels, expectImage(canvasAt(pixels, 25), { x: 1, y: 1, w: 4, h: 3 }));
    // at a time: before the second group was painted, the first group alone
    const at = new Date((await pixelTime(pixels, srv, 11)) - 1000).toISOString();
    r = runPlaced([...dd, '--export-png', path.join(out, 'at.png'), '--at', at]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(probe(path.join(out, 'at.png')).frames[0].pixels, expectImage(canvasAt(pixels, 10)), `at ${at}`);

    // a GIF, one frame every 10 placements at 5 frames a second: blank, 10, 20, 30
    r = runPlaced([...dd, '--timelapse', path.join(out, 'tl.gif'), '--step-placements', '10', '--fps', '5', '--region', '0,0,8,8', '--scale', '2']);
    assert.equal(r.code, 0, r.stderr);
    img = probe(path.join(out, 'tl.gif'));
    assert.equal(img.width, 16);
    assert.deepEqual(img.frames.map((f) => f.delay), [20, 20, 20, 20]);
    assert.deepEqual(img.frames.map((f) => f.pixels),
      [0, 10, 20, 30].map((n) => expectImage(canvasAt(pixels, n), { w: 8, h: 8, scale: 2 })));

    // by time: one frame a 2 s of history; each group fell in its own 2 s
    r = runPlaced([...dd, '--timelapse', path.join(out, 'time.gif'), '--step', '2s', '--fps', '10', '--region', '0,0,8,8']);
    assert.equal(r.code, 0, r.stderr);
    img = probe(path.join(out, 'time.gif'));
    assert.deepEqual(img.frames.map((f) => f.pixels),
      [0, 10, 20, 30].map((n) => expectImage(canvasAt(pixels, n), { w: 8, h: 8 })));

    // numbered PNG frames into a directory
    const dir = path.join(out, 'frames');
    fs.mkdirSync(dir);
    r = runPlaced([...dd, '--timelapse', dir, '--step-placements', '15']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['frame-000000.png', 'frame-000001.png', 'frame-000002.png']);
    for (const [i, n] of [[0, 0], [1, 15], [2, 30]]) {
      assert.equal(probe(path.join(dir, `frame-00000${i}.png`)).frames[0].pixels, expectImage(canvasAt(pixels, n)));
    }

    // wrong flags: a clear message and status 2, nothing written
    for (const [args, msg] of [
      [['--export-png', path.join(out, 'bad.png'), '--seq', '31'], /beyond the newest placement, 30/],
      [['--export-png', path.join(out, 'bad.png'), '--region', '60,60,10,10'], /inside the 64x64 canvas/],
      [['--export-png', path.join(out, 'bad.png'), '--scale', '0'], /--scale/],
      [['--timelapse', path.join(out, 'bad.txt')], /\.gif/],
      [['--timelapse', path.join(out, 'bad.gif'), '--step', '1s', '--step-placements', '3'], /not both/],
    ]) {
      r = runPlaced([...dd, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.ok(!fs.existsSync(path.join(out, 'bad.png')) && !fs.existsSync(path.join(out, 'bad.gif')));
    }
    // the server went on undisturbed
    const c = await connect(srv.wsUrl);
    assert.equal((await c.placeAndWait(10, 10, 2, 'after')).type, 'placed');
    c.close();
  } finally {
    viewer.close();
    await srv.stop();
    srv.cleanup();
    fs.rmSync(out, { recursive: true, force: true });
  }
});

// The time (ms) of placement seq n, from the pixel history API.
async function pixelTime(pixels, srv, n) {
  const p = pixels.find((q) => q.seq === n);
  const h = await (await fetch(`${srv.url}/api/v1/pixel?x=${p.x}&y=${p.y}`)).json();
  return h.placements.find((q) => q.seq === n).time;
}
