// The manual pages never drift from the programs: every option a program's --help lists is in
// its page. placed(8) is generated from the configuration table (placed --man); place-tui(1),
// place-sdl(1) are written by hand (packaging/man/), so this test is what keeps them honest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const manDir = process.env.PLACE_MAN_DIR;

// "--bench-size" etc. from a --help text (options start a line, after spaces).
function optionsOf(help) {
  const out = new Set();
  for (const m of help.matchAll(/^\s+(--[a-z][a-z0-9-]*)/gm)) out.add(m[1]);
  for (const m of help.matchAll(/^\s+-h, (--help)/gm)) out.add(m[1]);
  return [...out];
}

// roff writes a hyphen as \- ; an option appears as \-\-name in bold (\fB or .B).
function roffOption(opt) {
  return opt.replace(/-/g, '\\-');
}

function check(bin, page, minimum) {
  const help = execFileSync(bin, ['--help'], { encoding: 'utf8' });
  const opts = optionsOf(help);
  assert.ok(opts.length >= minimum, `too few options found in ${bin} --help: ${opts}`);
  const roff = fs.readFileSync(path.join(manDir, page), 'utf8');
  const missing = opts.filter((o) => !roff.includes(roffOption(o)));
  assert.deepEqual(missing, [], `${page} lacks options of ${path.basename(bin)} --help`);
  return opts;
}

test('placed(8) lists every flag of placed --help', () => {
  const opts = check(process.env.PLACED, 'placed.8', 25);
  assert.ok(opts.includes('--config') && opts.includes('--trusted-proxy'));
});

test('place-tui(1) lists every option of place-tui --help', { skip: !process.env.PLACE_TUI }, () => {
  check(process.env.PLACE_TUI, 'place-tui.1', 6);
});

test('place-sdl(1) lists every option of place-sdl --help', { skip: !process.env.PLACE_SDL }, () => {
  check(process.env.PLACE_SDL, 'place-sdl.1', 6);
});

test('the pages are well-formed roff (man reports no warnings)', () => {
  for (const page of ['placed.8', 'place-tui.1', 'place-sdl.1', 'place-tui-ssh-setup.8']) {
    const r = execFileSync('sh', ['-c', `MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$0" 2>&1 >/dev/null`,
      path.join(manDir, page)], { encoding: 'utf8' });
    assert.equal(r, '', `${page}: ${r}`);
  }
});
