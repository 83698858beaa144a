// Runs place-sdl for a test: a private Xvfb display, the software renderer (another with
// PLACE_SDL_RENDERER=opengl, say), a script of synthetic input (client-sdl/script.h), and
// screenshots read back as 24-bit BMP files.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { builtBinary } from '../../lib/build.js';

const here = path.dirname(fileURLToPath(import.meta.url));

// The binary under test: $PLACE_SDL (ctest sets it), else the usual build directories.
export function placeSdlPath() {
  return builtBinary('PLACE_SDL', 'client-sdl/place-sdl', ['build', 'build-sdl']);
}

const live = new Set();
process.on('exit', () => {
  for (const p of live) {
    try { p.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

// Starts Xvfb on a free display number (it picks one and tells us through -displayfd).
export async function startXvfb() {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const display = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start: ${err}`)), 15000);
    let out = '';
    proc.stdio[3].on('data', (d) => {
      out += d;
      const m = out.match(/(\d+)\s/);
      if (m) { clearTimeout(timer); resolve(`:${m[1]}`); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`Xvfb exited ${code}: ${err}`)); });
  });
  return {
    display,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.on('exit', r));
      proc.kill('SIGTERM');
      await gone;
      live.delete(proc);
    },
  };
}

// Runs place-sdl with `script` (an array of lines) against url. Resolves with {code, stdout,
// stderr} when it exits; onLine(line) sees each stdout line as it comes (to drive the test).
// args: more options before the URL (--template ...).
export function runSdl({ url, display, script, dir, window = '640x480', onLine, env = {},
  timeoutMs = 60000, args = [] }) {
  const scriptPath = path.join(dir, 'script.txt');
  fs.writeFileSync(scriptPath, script.join('\n') + '\n');
  const proc = spawn(placeSdlPath(),
    ['--window', window, '--renderer', process.env.PLACE_SDL_RENDERER || 'software', '--script',
      scriptPath, ...args, url],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DISPLAY: display,
        XDG_CONFIG_HOME: path.join(dir, 'config'),
        // Under ASan: a leak inside libdbus (loaded by SDL) is not ours; any other fails the test.
        LSAN_OPTIONS: [process.env.LSAN_OPTIONS, `suppressions=${path.join(here, '..', 'lsan.supp')}`]
          .filter(Boolean).join(':'),
        ...env,
      },
    });
  live.add(proc);
  let stdout = '';
  let stderr = '';
  let pending = '';
  proc.stdout.on('data', (d) => {
    stdout += d;
    pending += d;
    let i;
    while ((i = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      if (onLine) onLine(line);
    }
  });
  proc.stderr.on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      live.delete(proc);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// Reads a 24-bit BMP (what place-sdl's `shot` writes). get(x, y) -> [r, g, b].
export function readBmp(file) {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 0, 2) !== 'BM') throw new Error(`${file}: not a BMP`);
  const offset = b.readUInt32LE(10);
  const width = b.readInt32LE(18);
  const rawHeight = b.readInt32LE(22);
  const bpp = b.readUInt16LE(28);
  if (bpp !== 24 && bpp !== 32) throw new Error(`${file}: ${bpp} bits per pixel`);
  const height = Math.abs(rawHeight);
  const bytes = bpp / 8;
  const stride = Math.ceil((width * bytes) / 4) * 4;
  return {
    width,
    height,
    get(x, y) {
      const xi = Math.floor(x);
      const yi = Math.floor(y);
      if (xi < 0 || yi < 0 || xi >= width || yi >= height) throw new Error(`(${x}, ${y}) outside the shot`);
      const row = rawHeight > 0 ? height - 1 - yi : yi;
      const o = offset + row * stride + xi * bytes;
      return [b[o + 2], b[o + 1], b[o]];
    },
  };
}

// '#E50000' -> [229, 0, 0]
export function rgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

// place-sdl's layout (client-sdl/app.h): the canvas area is the window minus the 56 px bar,
// and the canvas starts fitted and centred in it.
export const BAR_H = 56;
export function fitView(winW, winH, cw, ch) {
  const areaW = winW;
  const areaH = winH - BAR_H;
  const scale = Math.min(areaW / cw, areaH / ch);
  return { scale, ox: (areaW - cw * scale) / 2, oy: (areaH - ch * scale) / 2, areaW, areaH, cw, ch };
}

// The canvas point at the centre of the area is kept inside the canvas.
function clampCentre(v) {
  const r = { ...v };
  const cx = (v.areaW / 2 - v.ox) / v.scale;
  const cy = (v.areaH / 2 - v.oy) / v.scale;
  if (cx < 0) r.ox = v.areaW / 2;
  else if (cx > v.cw) r.ox = v.areaW / 2 - v.cw * v.scale;
  if (cy < 0) r.oy = v.areaH / 2;
  else if (cy > v.ch) r.oy = v.areaH / 2 - v.ch * v.scale;
  return r;
}

// The rules of client-sdl/view.c, written again here: zoom by factor keeping the canvas point
// under (px, py) fixed; pan by (dx, dy); either way the canvas point at the centre of the area
// stays inside the canvas.
export function zoomAt(v, factor, px, py) {
  const cx = (px - v.ox) / v.scale;
  const cy = (py - v.oy) / v.scale;
  const scale = v.scale * factor;
  return clampCentre({ ...v, scale, ox: px - cx * scale, oy: py - cy * scale });
}
export function pan(v, dx, dy) {
  return clampCentre({ ...v, ox: v.ox + dx, oy: v.oy + dy });
}

// The centre of palette swatch i (22 px squares, 3 px apart, from 8 px; the bar's first row is
// 34 px high).
export function swatchCentre(v, i) {
  return [8 + i * 25 + 11, v.areaH + (34 - 22) / 2 + 11];
}

// The screen position of the centre of canvas pixel (x, y).
export function centreOf(v, x, y) {
  return [v.ox + (x + 0.5) * v.scale, v.oy + (y + 0.5) * v.scale];
}
