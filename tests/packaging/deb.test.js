// The Debian packages as an admin and a player meet them: `make deb` (packaging/make-deb.sh)
// builds place-server, place-tui and place-sdl; lintian finds no error or warning; the desktop
// entry and the AppStream metainfo validate; `dpkg -i` puts placed in /usr/bin and its browser
// client where it looks by default; `placed --config /etc/place/placed.conf` serves the page and
// the API; systemd accepts the units; a real sshd with the packaged SSH gate lets a player into
// place-tui and nowhere else; removal leaves only data and configuration, and purge removes
// those too.
//
// Root only (it installs packages system-wide and creates the "place" account), skipped
// otherwise. It purges any installed place-server/place-tui/place-sdl first and leaves none
// behind. Other tests run the build tree's binaries, so installing these disturbs nothing.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScreen } from '../tui/lib/tmux.js';
import { connect } from '../server/lib/client.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const buildDir = process.env.PLACE_DEB_BUILD || path.join(root, 'build-deb');
const isRoot = process.getuid() === 0;
const PKGS = ['place-server', 'place-tui', 'place-sdl'];
const ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C.UTF-8' };

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: ENV, timeout: 600000, maxBuffer: 1 << 30, ...opts });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout || '', err: r.stderr || '' };
}

function must(cmd, args, opts) {
  const r = run(cmd, args, opts);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')} failed (${r.code}):\n${r.out}\n${r.err}`);
  return r;
}

function installed(pkg) {
  const r = run('dpkg-query', ['-W', '-f=${Status}', pkg]);
  return r.code === 0 && /installed|config-files/.test(r.out);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(pred, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Files (not directories) under the system trees a package may touch, minus dpkg's and apt's
// own records and caches, which every installation changes.
const SCAN = ['/etc', '/usr', '/lib', '/var/lib', '/opt', '/srv'];
const IGNORE = [/^\/var\/lib\/(dpkg|apt|ucf|man-db)\//, /^\/var\/cache\//, /^\/etc\/ld\.so\.cache$/,
  /^\/usr\/lib\/python3[^/]*\/.*__pycache__\//, /^\/var\/lib\/systemd\/deb-systemd-helper-(enabled|masked)\/?$/];
function fileSet() {
  const r = run('find', [...SCAN.filter((d) => fs.existsSync(d)), '-xdev', '(', '-type', 'f', '-o', '-type', 'l', ')']);
  return new Set(r.out.split('\n').filter((p) => p && !IGNORE.some((re) => re.test(p))));
}

// A command in a private tmux server, its screen read back (tests/tui/lib/tmux.js's parser).
class Term {
  constructor(name, cmd, cols = 100, rows = 30) {
    this.sock = `place-deb-test-${process.pid}-${name}`;
    this.rows = rows;
    execFileSync('tmux', ['-L', this.sock, 'new-session', '-d', '-x', String(cols), '-y', String(rows),
      `${cmd}; echo "[exited $?]"; sleep 60`]);
  }
  text() { return execFileSync('tmux', ['-L', this.sock, 'capture-pane', '-p'], { encoding: 'utf8' }); }
  screen() { return parseScreen(execFileSync('tmux', ['-L', this.sock, 'capture-pane', '-p', '-e'], { encoding: 'utf8' })); }
  status() { return this.text().split('\n')[this.rows - 2] || ''; }
  // tmux key names ("Enter", "Tab") or literal text
  keys(...ks) {
    for (const k of ks) {
      const args = /^[A-Z][A-Za-z]+$/.test(k) ? [k] : ['-l', k];
      execFileSync('tmux', ['-L', this.sock, 'send-keys', ...args]);
    }
  }
  async waitFor(pred, what, ms = 15000) {
    try { return await waitUntil(() => { try { return pred(this); } catch { return null; } }, what, ms); }
    catch (e) { throw new Error(`${e.message}; screen:\n${this.text()}${this.log ? `\nsshd:\n${this.log()}` : ''}`); }
  }
  kill() {
    try { execFileSync('tmux', ['-L', this.sock, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
    fs.rmSync(path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid()}`, this.sock), { force: true });
  }
}

describe('Debian packages', { skip: isRoot ? false : 'needs root (installs packages, creates the place account)' }, () => {
  let debs = [];
  let before0;          // the system's files before installing
  const cleanups = [];  // run in reverse by after()

  before(() => {
    for (const p of PKGS) if (installed(p)) must('dpkg', ['--purge', p]);
    before0 = fileSet();
  });

  after(() => {
    for (const f of cleanups.reverse()) { try { f(); } catch (e) { console.error(`cleanup: ${e.message}`); } }
    for (const p of PKGS) if (installed(p)) run('dpkg', ['--purge', p]);
  });

  test('make deb builds the three packages, versioned from the project', () => {
    must(path.join(root, 'packaging/make-deb.sh'), [buildDir], { env: { ...ENV, JOBS: '2' } });
    const version = fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8')
      .match(/project\(place VERSION ([0-9.]+)/)[1];
    const arch = must('dpkg', ['--print-architecture']).out.trim();
    debs = PKGS.map((p) => path.join(buildDir, 'deb', `${p}_${version}_${arch}.deb`));
    for (const d of debs) assert.ok(fs.existsSync(d), `missing ${d}`);
    const server = must('dpkg-deb', ['-f', debs[0]]).out;
    assert.match(server, new RegExp(`^Version: ${version.replace(/\./g, '\\.')}$`, 'm'));
    // dependencies computed from the binaries (dpkg-shlibdeps)
    assert.match(server, /^Depends: .*libwebsockets\d+/m);
    assert.match(server, /^Depends: .*libsqlite3-0/m);
    assert.match(must('dpkg-deb', ['-f', debs[1]]).out, /^Depends: .*libncursesw6/m);
    assert.match(must('dpkg-deb', ['-f', debs[2]]).out, /^Depends: .*libsdl2-2\.0-0/m);
  });

  test('lintian: no errors, no warnings', () => {
    const r = run('lintian', ['--allow-root', '--fail-on', 'none', '--display-info', ...debs]);
    assert.equal(r.code, 0, r.out + r.err);
    const bad = r.out.split('\n').filter((l) => /^[EW]: /.test(l));
    assert.deepEqual(bad, [], r.out + r.err);
    // it did look at them: the notes docs/deploy.md explains are there
    assert.match(r.out, /^I: place-server: package-supports-alternative-init-but-no-init\.d-script/m);
  });

  test('the desktop entry and the AppStream metainfo validate', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'place-deb-x-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    must('dpkg-deb', ['-x', debs[2], dir]);
    const apps = fs.readdirSync(path.join(dir, 'usr/share/applications'));
    assert.equal(apps.length, 1);
    const desktop = path.join(dir, 'usr/share/applications', apps[0]);
    must('desktop-file-validate', [desktop]);
    const id = apps[0].replace(/\.desktop$/, '');
    must('appstreamcli', ['validate', '--no-net', path.join(dir, 'usr/share/metainfo', `${id}.metainfo.xml`)]);
    // the entry starts the packaged program and names an icon the package ships in each size
    const entry = fs.readFileSync(desktop, 'utf8');
    assert.match(entry, /^Exec=place-sdl$/m);
    assert.match(entry, new RegExp(`^Icon=${id.replace(/\./g, '\\.')}$`, 'm'));
    for (const s of [16, 32, 48, 64, 128, 256]) {
      const png = fs.readFileSync(path.join(dir, `usr/share/icons/hicolor/${s}x${s}/apps/${id}.png`));
      assert.equal(png.readUInt32BE(16), s, `${s}x${s} icon width`);
    }
  });

  test('dpkg -i installs placed, its assets where it finds them, its user and data directory', () => {
    must('dpkg', ['-i', ...debs]);
    for (const p of PKGS) assert.ok(installed(p), `${p} not installed`);
    for (const f of ['/usr/bin/placed', '/usr/bin/place-tui', '/usr/bin/place-sdl', '/usr/sbin/place-tui-ssh-setup'])
      assert.ok(fs.statSync(f).mode & 0o111, `${f} not executable`);
    assert.ok(fs.existsSync('/usr/share/place/web/index.html'));
    const help = must('/usr/bin/placed', ['--help']).out;
    assert.match(help, /--web-root DIR .*\[default \/usr\/share\/place\/web\]/);
    assert.match(must('/usr/bin/placed', ['--version']).out, /^placed \d+\.\d+\.\d+$/m);
    assert.ok(fs.existsSync('/usr/share/man/man8/placed.8.gz'));
    assert.match(must('getent', ['passwd', 'placed']).out, /^placed:.*:\/var\/lib\/place:\/usr\/sbin\/nologin$/m);
    const st = fs.statSync('/var/lib/place');
    assert.equal(st.mode & 0o777, 0o700);
    assert.equal(st.uid, Number(must('id', ['-u', 'placed']).out.trim()));
  });

  test('placed --config /etc/place/placed.conf serves the page and the API', async () => {
    const uid = Number(must('id', ['-u', 'placed']).out.trim());
    const gid = Number(must('id', ['-g', 'placed']).out.trim());
    // the packaged configuration, on a free loopback port instead of 8080, as the service's user
    const proc = spawn('/usr/bin/placed', ['--config', '/etc/place/placed.conf', '--port', '0', '--listen', '127.0.0.1'],
      { uid, gid, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { err += d; });
    const exited = new Promise((r) => proc.on('exit', (code, sig) => r({ code, sig })));
    cleanups.push(() => proc.kill('SIGKILL'));
    const port = await waitUntil(() => /data in /.test(out + err) && (out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//) || [])[1],
      `placed to listen (stdout: ${out}, stderr: ${err})`, 20000);
    assert.match(out + err, /data in \/var\/lib\/place$/m);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(page.status, 200);
    assert.equal(await page.text(), fs.readFileSync('/usr/share/place/web/index.html', 'utf8'));
    const info = await (await fetch(`http://127.0.0.1:${port}/api/v1/canvas/info`)).json();
    assert.equal(info.width, 2000);
    assert.equal(info.colors, 16);
    proc.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, sig: null });
    assert.ok(fs.readdirSync('/var/lib/place').some((f) => f.endsWith('.db')), 'no database in /var/lib/place');
    // root acting on the service's data directory is sent to the right user instead of leaving
    // root-owned files there; as that user the act works
    const asRoot = run('/usr/bin/placed', ['--config', '/etc/place/placed.conf', '--grant-admin', 'nobody1']);
    assert.equal(asRoot.code, 1);
    assert.match(asRoot.err, /\/var\/lib\/place belongs to placed: run placed as placed \(sudo -u placed placed/);
    assert.deepEqual(fs.readdirSync('/var/lib/place').filter((f) => fs.statSync(path.join('/var/lib/place', f)).uid !== uid), []);
  });

  test('systemd-analyze accepts the units, and rates placed.service well', () => {
    const units = ['/lib/systemd/system/placed.service', '/lib/systemd/system/placed-history-writer.service',
      '/lib/systemd/system/placed@.service'];
    for (const u of units) assert.ok(fs.existsSync(u), u);
    // an instance of the template, found where the package put it
    const r = must('systemd-analyze', ['verify', '--man=no', units[0], units[1], 'placed@1.service']);
    assert.equal(r.err.trim(), '', `systemd-analyze verify warned:\n${r.err}`);
    for (const u of units.slice(0, 2)) {
      const s = run('systemd-analyze', ['security', '--offline=yes', u]);
      const m = (s.out + s.err).match(/Overall exposure level for \S+: ([0-9.]+)/);
      assert.ok(m, s.out + s.err);
      assert.ok(Number(m[1]) <= 2.0, `${u}: exposure ${m[1]} (want <= 2.0, "OK")`);
    }
  });

  describe('ssh place@host', { skip: fs.existsSync('/usr/sbin/sshd') ? false : 'openssh-server is not installed' }, () => {
    let srv;          // { port, proc }
    let sshPort;
    let tmp;
    let key;
    const sshCleanups = [];
    const sshArgs = () => ['-F', '/dev/null', '-p', String(sshPort), '-o', 'StrictHostKeyChecking=no',
      '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5'];

    before(async () => {
      const owner = run('getent', ['passwd', 'place']);
      if (owner.code === 0 && !owner.out.includes('/usr/lib/place-tui/ssh-session') && !owner.out.includes(':Place players over SSH:'))
        throw new Error('an account "place" exists and is not Place\'s: not touching it');
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'place-ssh-'));
      sshCleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
      // placed as packaged (trusting loopback as a proxy), one new guest per address an hour
      const data = path.join(tmp, 'data');
      const p = spawn('/usr/bin/placed', ['--config', '/etc/place/placed.conf', '--port', '0', '--listen', '127.0.0.1',
        '--data-dir', data, '--width', '64', '--height', '64', '--cooldown', '0', '--guests-per-hour', '1'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => { out += d; });
      sshCleanups.push(() => p.kill('SIGKILL'));
      const port = Number(await waitUntil(() => (out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//) || [])[1], 'placed'));
      srv = { port, proc: p };

      // the gate, as an admin turns it on: first for keys only (the open gate comes later)
      const en = must('/usr/sbin/place-tui-ssh-setup', ['enable', '--keys-only', '--server', `http://127.0.0.1:${port}`]);
      sshCleanups.push(() => {
        const d = run('/usr/sbin/place-tui-ssh-setup', ['disable', '--remove-user']);
        if (d.code !== 0 || run('getent', ['passwd', 'place']).code === 0)
          throw new Error(`the place account was not removed: ${d.out}${d.err}`);
      });
      assert.match(en.out, /wrote \/etc\/ssh\/sshd_config\.d\/place-tui\.conf/);

      // a real sshd on a loopback port: its own host key and pid file, the packaged rules
      must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(tmp, 'host')]);
      must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(tmp, 'player')]);
      key = path.join(tmp, 'player');
      // sshd reads the keys as the player's account
      fs.chmodSync(tmp, 0o755);
      fs.mkdirSync(path.join(tmp, 'keys'), { mode: 0o755 });
      fs.copyFileSync(`${key}.pub`, path.join(tmp, 'keys', 'place'));
      fs.chmodSync(path.join(tmp, 'keys', 'place'), 0o644);
      sshPort = await freePort();
      fs.writeFileSync(path.join(tmp, 'sshd_config'), [
        `Port ${sshPort}`, 'ListenAddress 127.0.0.1', `HostKey ${tmp}/host`, `PidFile ${tmp}/sshd.pid`,
        `AuthorizedKeysFile ${tmp}/keys/%u`, 'StrictModes no', 'UsePAM yes', 'LogLevel VERBOSE',
        'Include /etc/ssh/sshd_config.d/place-tui.conf', ''].join('\n'));
      fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
      const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(tmp, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      sshd.stderr.on('data', (d) => { log += d; });
      srv.sshdLog = () => log;
      sshCleanups.push(() => sshd.kill('SIGTERM'));
      srv.sshd = sshd;
      await waitUntil(() => /Server listening on 127\.0\.0\.1/.test(log), `sshd to listen: ${log}`);

      // a 4x4 red square on the canvas for the player to see
      const c = await connect(`ws://127.0.0.1:${port}/ws`);
      for (let y = 8; y < 12; y++) for (let x = 8; x < 12; x++) {
        const a = await c.placeAndWait(x, y, 5, `r${x}-${y}`);
        assert.equal(a.type, 'placed', JSON.stringify(a));
      }
      c.close();
    });

    const terms = [];
    after(() => {
      for (const t of terms) t.kill();
      for (const f of sshCleanups.reverse()) { try { f(); } catch (e) { console.error(`cleanup: ${e.message}`); } }
    });

    // ssh -tt from source address `from` (a loopback address of its own) inside tmux
    function player(name, from, extra = []) {
      const args = ['-tt', '-b', from, ...sshArgs(), ...extra, 'place@127.0.0.1'];
      const t = new Term(name, `TERM=xterm-256color ssh ${args.map((a) => `'${a}'`).join(' ')}`);
      t.log = srv.sshdLog;
      terms.push(t);
      return t;
    }

    const red = (c) => { const m = /^(\d+),(\d+),(\d+)$/.exec(c); return m && +m[1] >= 150 && +m[2] < 80 && +m[3] < 80; };
    const canvasShowsRed = (t) => t.screen().slice(0, t.rows - 3).some((row) => row.some((cell) =>
      (cell.ch === '\u2580' && (red(cell.fg) || red(cell.bg))) || (cell.ch === ' ' && red(cell.bg))));
    const guestOf = (t) => (t.status().match(/(guest-[0-9a-f]+)/) || [])[1];

    test('--keys-only: a player with a key lands in place-tui showing the server\'s canvas', async () => {
      const t = player('key', '127.0.0.2', ['-i', key]);
      await t.waitFor((x) => /^ ?connected \|/.test(x.status()), 'place-tui connected');
      await t.waitFor(canvasShowsRed, 'the red square on the canvas');
      assert.match(srv.sshdLog(), /Accepted publickey for place from 127\.0\.0\.2/);
      // without the key: no way in
      const r = run('ssh', [...sshArgs(), '-o', 'PubkeyAuthentication=no', 'place@127.0.0.1'], { timeout: 20000 });
      assert.notEqual(r.code, 0);
      assert.match(r.err, /Permission denied/);
    });

    test('open gate: anyone gets in without a key, as a guest of their own, counted at their own address', async () => {
      must('/usr/sbin/place-tui-ssh-setup', ['enable', '--server', `http://127.0.0.1:${srv.port}`]);
      const restarts = (srv.sshdLog().match(/Server listening on/g) || []).length;
      srv.sshd.kill('SIGHUP'); // sshd rereads its configuration
      await waitUntil(() => (srv.sshdLog().match(/Server listening on/g) || []).length > restarts, 'sshd to restart');
      const t = player('nokey', '127.0.0.3', ['-o', 'PubkeyAuthentication=no']);
      await t.waitFor((x) => /^ ?connected \|/.test(x.status()) && guestOf(x), 'second player connected');
      assert.match(srv.sshdLog(), /Accepted none for place from 127\.0\.0\.3/);
      assert.notEqual(guestOf(t), guestOf(terms[0]), 'two SSH sessions share one guest');
      // --guests-per-hour 1: a new session from 127.0.0.2 gets no new guest, the server
      // therefore counts SSH players at their SSH client's address, not as 127.0.0.1
      const t3 = player('same', '127.0.0.2', ['-o', 'PubkeyAuthentication=no']);
      // (place-tui says "Too many new players..." or names the 429 of /api/v1/auth/me)
      await t3.waitFor((x) => /Too many new players from your address|answered 429 to \/api\/v1\/auth\/me/.test(x.text()),
        'the new guest from 127.0.0.2 to be refused');
      assert.doesNotMatch(t3.status(), /guest-/);
      assert.match(terms[0].status(), /^ ?connected \|/);
      assert.match(t.status(), /^ ?connected \|/);

      // a player registers inside place-tui (u, Tab: register); the login lives in that
      // session's own directory and ends with it
      t.keys('u', 'Tab', 'sshplayer7', 'Enter', 'orange-Lantern-42-tide', 'Enter');
      await t.waitFor((x) => /sshplayer7/.test(x.status()), 'the registered name on the status line');
      const sessions = '/var/lib/place-tui/sessions';
      const mine = fs.readdirSync(sessions).filter((d) => fs.existsSync(path.join(sessions, d, 'place', 'session')));
      assert.equal(mine.length, 1, `session directories with a token: ${mine}`);
      // the session's process is place-tui itself, under the per-connection limits
      assert.match(fs.readFileSync(`/proc/${mine[0]}/cmdline`, 'utf8'), /place-tui\x00--forwarded-for\x00127\.0\.0\.3\x00/);
      const limits = fs.readFileSync(`/proc/${mine[0]}/limits`, 'utf8');
      assert.match(limits, /^Max address space\s+1073741824\s/m);
      assert.match(limits, /^Max open files\s+256\s/m);
      assert.match(limits, /^Max cpu time\s+86400\s/m);
      t.kill();
      // the directory is named by the session's process id; the next session to start after
      // that process is gone removes it
      await waitUntil(() => !fs.existsSync(`/proc/${mine[0]}`), 'the dropped session\'s place-tui to end');
      const t4 = player('after', '127.0.0.4', ['-o', 'PubkeyAuthentication=no']);
      await t4.waitFor((x) => /^ ?connected \|/.test(x.status()) && guestOf(x), 'a later player connected');
      assert.doesNotMatch(t4.status(), /sshplayer7/);
      await waitUntil(() => !fs.existsSync(path.join(sessions, mine[0])), 'the ended session\'s directory to go');
    });

    test('no shell and no commands', () => {
      const r = run('ssh', [...sshArgs(), '-i', key, 'place@127.0.0.1', 'sh', '-c', 'id'], { timeout: 20000 });
      assert.notEqual(r.code, 0);
      assert.doesNotMatch(r.out, /uid=/);
      assert.match(r.err, /Place is played in a terminal/);
      const sftp = run('ssh', [...sshArgs(), '-i', key, '-s', 'place@127.0.0.1', 'sftp'], { timeout: 20000, input: '' });
      assert.notEqual(sftp.code, 0);
    });

    test('no port forwarding', async () => {
      const lport = await freePort();
      const fwd = spawn('ssh', [...sshArgs(), '-i', key, '-N', '-L', `127.0.0.1:${lport}:127.0.0.1:${srv.port}`, 'place@127.0.0.1'],
        { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      fwd.stderr.on('data', (d) => { err += d; });
      try {
        // the client listens locally at once; what matters is what sshd does with the channel
        const got = await waitUntil(() => new Promise((resolve) => {
          const s = net.connect(lport, '127.0.0.1');
          let data = '';
          s.on('connect', () => s.write('GET /api/v1/canvas/info HTTP/1.0\r\n\r\n'));
          s.on('data', (d) => { data += d; });
          s.on('close', () => resolve({ data }));
          s.on('error', () => resolve(null));
          setTimeout(() => { s.destroy(); resolve({ data, open: true }); }, 3000);
        }), 'the forwarding port', 15000);
        assert.doesNotMatch(got.data, /HTTP\/1/, 'a request went through the forward');
        await waitUntil(() => /administratively prohibited/.test(err), `ssh to report the refusal (${err})`);
      } finally {
        fwd.kill('SIGTERM');
      }
    });
  });

  test('removal leaves only data and configuration; purge removes those too', () => {
    must('dpkg', ['--remove', ...PKGS]);
    assert.ok(!fs.existsSync('/usr/bin/placed'));
    assert.ok(!fs.existsSync('/usr/share/place'));
    assert.ok(fs.existsSync('/etc/place/placed.conf'), 'configuration removed by a removal');
    assert.ok(fs.readdirSync('/var/lib/place').some((f) => f.endsWith('.db')), 'data removed by a removal');
    const allowed = [/^\/etc\/place\//, /^\/var\/lib\/place\//, /^\/etc\/systemd\/system\/(multi-user\.target\.wants\/)?placed\.service$/,
      /^\/var\/lib\/systemd\/deb-systemd-helper-(enabled|masked)\//];
    const left = [...fileSet()].filter((f) => !before0.has(f) && !allowed.some((re) => re.test(f)));
    assert.deepEqual(left, [], 'files left by dpkg --remove besides data and configuration');

    must('dpkg', ['--purge', ...PKGS]);
    assert.ok(!fs.existsSync('/etc/place'));
    assert.ok(!fs.existsSync('/var/lib/place'));
    const purged = [...fileSet()].filter((f) => !before0.has(f));
    assert.deepEqual(purged, [], 'files left by dpkg --purge');
  });
});
