// Runs place-tui inside a private tmux server (its own socket, so nothing touches the user's
// tmux) and reads the screen back with `tmux capture-pane -p -e`, decoding the SGR colour codes
// into a grid of cells, so a test can ask what colour a canvas pixel shows.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { builtBinary } from '../../lib/build.js';

// The binary under test: $PLACE_TUI (ctest sets it), else the usual build directories.
export function placeTuiPath() {
  return builtBinary('PLACE_TUI', 'client-tui/place-tui', ['build', 'build-eng', 'build-tui']);
}

const live = new Set();

// tmux leaves its socket file behind when its server is killed.
function removeSocket(sock) {
  const dir = path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid()}`);
  fs.rmSync(path.join(dir, sock), { force: true });
}

process.on('exit', () => {
  for (const sock of live) {
    try { execFileSync('tmux', ['-L', sock, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
    removeSocket(sock);
  }
});

let counter = 0;

function shellQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

// Parses capture-pane -e output into rows of cells {ch, fg, bg, blink} (colours as "r,g,b"
// strings, "ansiN", or "default"). tmux writes a colour change only where it happens, so the
// attributes carry over from one line to the next.
export function parseScreen(text) {
  const state = { fg: 'default', bg: 'default', blink: false, reverse: false };
  return text.split('\n').map((line) => parseLine(line, state));
}

function parseLine(line, state) {
  const cells = [];
  let { fg, bg, blink, reverse } = state;
  const xterm256 = (n) => {
    if (n < 16) return `ansi${n}`;
    if (n >= 232) { const v = 8 + 10 * (n - 232); return `${v},${v},${v}`; }
    const lv = [0, 95, 135, 175, 215, 255];
    const k = n - 16;
    return `${lv[Math.floor(k / 36)]},${lv[Math.floor(k / 6) % 6]},${lv[k % 6]}`;
  };
  for (let i = 0; i < line.length;) {
    if (line[i] === '\x1b' && line[i + 1] === '[') {
      const end = line.slice(i + 2).search(/[A-Za-z]/);
      if (end < 0) break;
      const body = line.slice(i + 2, i + 2 + end);
      const cmd = line[i + 2 + end];
      i += 3 + end;
      if (cmd !== 'm') continue;
      const p = body === '' ? [0] : body.split(';').map(Number);
      for (let k = 0; k < p.length; k++) {
        const v = p[k];
        if (v === 0) { fg = 'default'; bg = 'default'; blink = false; reverse = false; }
        else if (v === 5) blink = true;
        else if (v === 25) blink = false;
        else if (v === 7) reverse = true;
        else if (v === 27) reverse = false;
        else if (v === 39) fg = 'default';
        else if (v === 49) bg = 'default';
        else if (v >= 30 && v <= 37) fg = `ansi${v - 30}`;
        else if (v >= 40 && v <= 47) bg = `ansi${v - 40}`;
        else if (v >= 90 && v <= 97) fg = `ansi${v - 90 + 8}`;
        else if (v >= 100 && v <= 107) bg = `ansi${v - 100 + 8}`;
        else if (v === 38 || v === 48) {
          let c;
          if (p[k + 1] === 2) { c = `${p[k + 2]},${p[k + 3]},${p[k + 4]}`; k += 4; }
          else if (p[k + 1] === 5) { c = xterm256(p[k + 2]); k += 2; }
          if (v === 38) fg = c; else bg = c;
        }
      }
      continue;
    }
    const cp = line.codePointAt(i);
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    cells.push({ ch, fg: reverse ? bg : fg, bg: reverse ? fg : bg, blink });
  }
  Object.assign(state, { fg, bg, blink, reverse });
  return cells;
}

// A place-tui running in a detached tmux session of cols x rows. shell: commands the pane's
// shell runs before it (e.g. "trap '' HUP; ").
export class Tui {
  constructor({ url, env = {}, cols = 100, rows = 40, args = [], shell = '' }) {
    this.sock = `place-tui-test-${process.pid}-${++counter}`;
    this.errFile = path.join(fs.mkdtempSync('/tmp/place-tui-err-'), 'stderr');
    this.cols = cols;
    this.rows = rows;
    const vars = { LANG: 'C.UTF-8', TERM: 'tmux-direct', COLORTERM: 'truecolor', ...env };
    const envs = Object.entries(vars).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
    // The pane outlives the client for a moment so a crash message stays readable.
    const argv = [...args, url].map(shellQuote).join(' ');
    const cmd = `${shell}env ${envs} ${shellQuote(placeTuiPath())} ${argv} 2>${shellQuote(this.errFile)}; echo "place-tui exited $?"; sleep 30`;
    live.add(this.sock);
    this.tmux('new-session', '-d', '-x', String(cols), '-y', String(rows), cmd);
  }

  tmux(...args) {
    return execFileSync('tmux', ['-L', this.sock, ...args], { encoding: 'utf8' });
  }

  // Keys as tmux send-keys names ("Space", "Enter", "Escape") or plain text (sent literally).
  keys(...ks) {
    for (const k of ks) {
      if (/^[A-Z][A-Za-z]+$/.test(k) || /^C-.$/.test(k)) this.tmux('send-keys', k);
      else this.tmux('send-keys', '-l', k);
    }
  }

  // Mouse input as a terminal in X10 mode sends it (tmux-direct's kmous is \E[M): button code
  // 0 press, 3 release, 32 motion with the button held, 64 wheel up; col/row 0-based. Events
  // are spaced like a hand's, so ncurses reads each on its own.
  async mouse(code, col, row) {
    const seq = `\x1b[M${String.fromCharCode(32 + code, 33 + col, 33 + row)}`;
    this.tmux('send-keys', '-l', seq);
    await new Promise((r) => setTimeout(r, 100));
  }

  text() {
    return this.tmux('capture-pane', '-p');
  }

  screen() {
    return parseScreen(this.tmux('capture-pane', '-p', '-e'));
  }

  // The pane's current size (it changes with resize()).
  size() {
    const [c, r] = this.tmux('display', '-p', '#{pane_width} #{pane_height}').trim().split(' ').map(Number);
    return { cols: c, rows: r };
  }

  resize(cols, rows) {
    this.tmux('resize-window', '-x', String(cols), '-y', String(rows));
  }

  statusLine() {
    return this.text().split('\n')[this.size().rows - 2] || '';
  }

  messageLine() {
    return this.text().split('\n')[this.size().rows - 1] || '';
  }

  // The colour canvas pixel (x, y) shows at zoom 1 with the canvas at the top-left: column x,
  // row floor(y/2), the upper half block's foreground (even y) or background (odd y).
  pixel(x, y) {
    const cell = this.screen()[Math.floor(y / 2)]?.[x];
    if (!cell) return null;
    const top = y % 2 === 0;
    if (cell.ch === '\u2580') return top ? cell.fg : cell.bg;
    if (cell.ch === '\u2584') return top ? cell.bg : cell.fg;
    return cell.bg;
  }

  // Polls the screen until pred(this) is truthy; throws with the screen's text on timeout.
  async waitFor(pred, what, timeoutMs = 8000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      let v = null;
      try { v = pred(this); } catch { v = null; }
      if (v) return v;
      if (Date.now() > end) {
        throw new Error(`timed out waiting for ${what}; screen:\n${this.text()}\nstderr: ${this.stderr()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stderr() {
    try { return fs.readFileSync(this.errFile, 'utf8'); } catch { return ''; }
  }

  // The place-tui process (the pane runs a shell that runs it).
  pid() {
    const shell = Number(this.tmux('list-panes', '-F', '#{pane_pid}').trim());
    const kids = execFileSync('pgrep', ['-P', String(shell)], { encoding: 'utf8' }).trim().split('\n');
    for (const k of kids) {
      const exe = fs.readlinkSync(`/proc/${k}/exe`);
      if (exe.endsWith('place-tui')) return Number(k);
    }
    throw new Error('place-tui is not running');
  }

  kill() {
    try { this.tmux('kill-server'); } catch { /* already gone */ }
    live.delete(this.sock);
    removeSocket(this.sock);
    fs.rmSync(path.dirname(this.errFile), { recursive: true, force: true });
  }
}

// "#E50000" -> "229,0,0", the way parseLine reports a 24-bit colour.
export function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return `${(n >> 16) & 255},${(n >> 8) & 255},${n & 255}`;
}
