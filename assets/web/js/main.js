// The Place browser client: wires the canvas state, the board, the WebSocket and the page.

import { CanvasState, PLACE_TIMEOUT_MS } from './canvas-state.js';
import { Connection } from './connection.js';
import { View, parseHash } from './view.js';
import { Board } from './board.js';
import { Minimap } from './minimap.js';
import { jitter } from './backoff.js';
import { keyAction } from './keys.js';
import { Template, STYLES, loadTemplateImage } from './template.js';
import { TimeMode } from './time-mode.js';
import {
  decodeSnapshot, decodeBatch, DEFAULT_PALETTE, COLOR_NAMES, COLORS, ERROR_WORDS, errorText,
} from './protocol.js';

const TAP_ZOOM_BELOW = 3; // CSS px per canvas pixel

const $ = (id) => document.getElementById(id);
const els = {
  board: $('board'), loading: $('loading'), conn: $('conn'), connText: $('conn-text'),
  connRetry: $('conn-retry'), whoName: $('who-name'), who: $('who'), login: $('btn-login'),
  register: $('btn-register'), logout: $('btn-logout'), help: $('btn-help'), palette: $('palette'),
  placeBtn: $('place-btn'), placeLabel: $('place-label'), placeSwatch: $('place-swatch'),
  coords: $('coords'), toast: $('toast'), info: $('pixel-info'), sr: $('sr-status'),
  zoomIn: $('zoom-in'), zoomOut: $('zoom-out'), zoomFit: $('zoom-fit'),
  authDialog: $('auth-dialog'), authForm: $('auth-form'), authTitle: $('auth-title'),
  authHint: $('auth-hint'), authUser: $('auth-user'), authPass: $('auth-pass'),
  authError: $('auth-error'), authSwitch: $('auth-switch'), authSubmit: $('auth-submit'),
  authCancel: $('auth-cancel'), gotoDialog: $('goto-dialog'), gotoForm: $('goto-form'),
  gotoInput: $('goto-input'), gotoError: $('goto-error'), helpDialog: $('help-dialog'),
  oneClick: $('opt-one-click'), banNote: $('ban-note'), frozenNote: $('frozen-note'),
  adminCmds: $('admin-cmds'),
  tmplBar: $('template-bar'), tmplText: $('template-text'), tmplBtn: $('btn-template'),
  tmplDialog: $('template-dialog'), tmplForm: $('template-form'), tmplUrl: $('template-url'),
  tmplAt: $('template-at'), tmplError: $('template-error'), tmplRemove: $('template-remove'),
  timeline: $('timeline'), timePlay: $('time-play'), timeSlider: $('time-slider'),
  timeLabel: $('time-label'), timeSpeed: $('time-speed'), timeLive: $('time-live'),
  timeBtn: $('btn-time'), heatBtn: $('heat-btn'),
  online: $('online'), onlineCount: $('online-count'), minimap: $('minimap'),
  optSound: $('opt-sound'), optNotify: $('opt-notify'),
};

const app = {
  info: null,               // /api/v1/canvas/info
  palette: DEFAULT_PALETTE.slice(),
  user: null,               // /api/v1/auth/me
  color: clampColor(Number(stored('place.color') ?? 5)),
  reticle: { x: 0, y: 0 },
  cooldownEnd: 0,           // local ms from which we may place
  clockSkew: 0,             // server time - local time
  nextRequest: 1,
  snapshotTimer: null,
  snapshotBusy: false,
  snapshotAgain: false,
  snapshotFails: 0,
  timeoutTimer: null,
  baseTitle: 'Place',
  readyCue: false,
  // a click or tap selects a pixel and shows who placed it; the Place button (Space, Enter)
  // commits. Players who want the old way can place with one click (a setting in the help).
  oneClick: stored('place.oneClick') === '1',
  // the template (docs/templates.md): its address and position, as the page's hash shares them
  tmpl: { t: null, url: '', x: 0, y: 0, ready: false, shown: true, style: 0, loading: 0 },
  online: null,             // players online, as the server last said (null: not said)
  sound: stored('place.sound') === '1', // a chime when the cooldown ends (opt-in)
  notice: null,             // the last "ready" notification: { title, body, shown }
};

function stored(key, value) {
  try {
    if (value === undefined) return localStorage.getItem(key);
    localStorage.setItem(key, value);
  } catch { /* storage disabled: nothing is remembered */ }
  return null;
}

function clampColor(c) {
  return Number.isInteger(c) && c >= 0 && c < COLORS ? c : 5;
}

// ---------------------------------------------------------------- canvas, view, board

const view = new View();
let board = null;
let minimap = null;
const state = new CanvasState((i) => {
  // in time mode the board draws the time machine's canvas: live changes wait for "Live"
  if (board && board.state === state) board.pixelChanged(i);
  templatePixel(i);
  if (minimap) minimap.update();
});
board = new Board(els.board, state, view, {
  onTap: (x, y, sx, sy) => {
    setReticle(x, y, false, 0);
    if (view.z < TAP_ZOOM_BELOW) {
      // zoomed far out a tap is too coarse to aim with: zoom in on the spot instead of placing
      view.zoomAt(sx, sy, 12);
      board.requestFrame();
      viewChanged();
      toast(`Zoomed in: ${app.oneClick ? 'click or tap a pixel to place it' : 'click or tap a pixel to select it'}.`, 'info', 2500);
      return;
    }
    if (app.oneClick) placeAtReticle();
    else announce(`Selected ${x}, ${y}. Press Place to paint it.`);
  },
  // a long press only ever selects and shows the pixel's history, whatever the setting
  onLongPress: (x, y) => setReticle(x, y, false, 0),
  onHover: (p) => showCoords(p),
  onViewChange: () => viewChanged(),
});

const timeMode = new TimeMode(board, state, els, {
  toast: (text, kind, ms) => toast(text, kind, ms),
  changed: () => {
    updatePlaceButton();
    setReticle(app.reticle.x, app.reticle.y, false, 0);
  },
});

let hashTimer = null;
function viewChanged() {
  showCoords(board.hover);
  if (minimap) minimap.update();
  clearTimeout(hashTimer);
  hashTimer = setTimeout(() => {
    const h = fullHash();
    if (location.hash !== h) history.replaceState(null, '', h);
  }, 150);
}

// The view's part of the hash, then the template's: #x=..&y=..&z=..&template=URL&tx=X&ty=Y
function fullHash() {
  const m = app.tmpl;
  return view.toHash() + (m.url ? `&template=${encodeURIComponent(m.url)}&tx=${m.x}&ty=${m.y}` : '');
}

// ---------------------------------------------------------------- the template

// Canvas pixel i (-1: all) may show a new colour: the match count follows.
function templatePixel(i) {
  const m = app.tmpl;
  if (!m.t || !state.ready) return;
  if (i < 0 || !m.ready) {
    templateCheck();
  } else {
    const x = i % state.width;
    m.t.updateAt((k) => state.displayed(k), state.width, x, (i - x) / state.width);
  }
  showTemplateProgress();
}

// Once the canvas and the template are both here: does it fit, and how much of it matches.
function templateCheck() {
  const m = app.tmpl;
  const why = m.t.check(state.width, state.height);
  if (why) {
    dropTemplate();
    toast(`Template not shown: ${why}.`, 'error', 8000);
    return;
  }
  m.t.recount((k) => state.displayed(k), state.width);
  m.ready = true;
  showTemplate();
}

function dropTemplate() {
  Object.assign(app.tmpl, { t: null, url: '', ready: false });
  showTemplate();
  viewChanged();
}

let progressTimer = null;
function showTemplateProgress() {
  if (progressTimer) return;
  progressTimer = setTimeout(() => {
    progressTimer = null;
    const m = app.tmpl;
    if (m.t && m.ready) els.tmplText.textContent = `Template: ${m.t.progress()}`;
  }, 30);
}

function showTemplate() {
  const m = app.tmpl;
  const on = !!(m.t && m.ready);
  board.setTemplate(on && m.shown ? m.t : null, STYLES[m.style]);
  els.tmplBar.hidden = !m.t;
  els.tmplBar.dataset.shown = on && m.shown ? 'yes' : 'no';
  if (!m.t) els.tmplText.textContent = '';
  else if (!on) els.tmplText.textContent = 'Template: waiting for the canvas…';
  else els.tmplText.textContent = `Template: ${m.t.progress()}`;
}

// Loads the PNG at url and places it at (x, y); a later call wins over an earlier one.
async function loadTemplate(url, x, y) {
  const m = app.tmpl;
  const ticket = ++m.loading;
  Object.assign(m, { url, x, y, ready: false, shown: true });
  els.tmplBar.hidden = false;
  els.tmplText.textContent = 'Template: loading…';
  try {
    const img = await loadTemplateImage(new URL(url, location.href).href);
    if (ticket !== m.loading) return;
    m.t = new Template(img.rgba, img.w, img.h, board.rgb, x, y);
    showTemplate();
    if (state.ready) templatePixel(-1);
  } catch (e) {
    if (ticket !== m.loading) return;
    dropTemplate();
    toast(`Template not loaded: ${e.message}`, 'error', 8000);
  }
  viewChanged();
}

// The hash's template (on page open, or a pasted address): loaded when it is another one.
function templateFromHash() {
  const p = new URLSearchParams(location.hash.replace(/^#/, ''));
  const url = p.get('template');
  if (!url) return;
  const x = Math.max(0, Math.floor(Number(p.get('tx')) || 0));
  const y = Math.max(0, Math.floor(Number(p.get('ty')) || 0));
  const m = app.tmpl;
  if (url !== m.url || x !== m.x || y !== m.y || !m.t) loadTemplate(url, x, y);
}

function noTemplate() {
  const m = app.tmpl;
  if (m.t && m.ready) return false;
  toast(m.t || m.loading && m.url ? 'The template is still loading.'
    : 'No template: press the Template button to load one.', 'info');
  return true;
}

// n: the nearest pixel that differs from the template, its colour chosen.
function nextWrongPixel() {
  if (noTemplate()) return;
  const { t } = app.tmpl;
  const p = t.nextWrong(app.reticle.x, app.reticle.y);
  if (!p) {
    toast(`The template is complete: ${t.progress()}.`, 'good');
    return;
  }
  const want = t.colorAt(p.x, p.y);
  const is = state.colorAt(p.x, p.y);
  app.tmpl.shown = true;
  showTemplate();
  chooseColor(want, true);
  if (view.z < 8) view.z = 8;
  view.centerOn(p.x, p.y);
  setReticle(p.x, p.y, false);
  board.requestFrame();
  viewChanged();
  const text = `${p.x},${p.y} should be ${COLOR_NAMES[want]} (it is ${COLOR_NAMES[is]}); ${t.progress()}.`;
  toast(text, 'info', 5000);
  announce(text);
}

function showCoords(p) {
  const q = p || app.reticle;
  const z = view.z >= 10 ? Math.round(view.z) : view.z.toFixed(view.z < 1 ? 2 : 1);
  els.coords.textContent = `(${q.x}, ${q.y}) · ${z}×`;
}

// The top bar, the coordinates and the dock cover parts of the canvas; fitting the canvas keeps clear of them.
function measureInsets() {
  const top = Math.max(document.querySelector('.topbar').getBoundingClientRect().bottom,
    els.coords.getBoundingClientRect().bottom);
  const dock = document.querySelector('.dock').getBoundingClientRect().top;
  view.setInsets(top + 8, window.innerHeight - dock + 8);
}

function applyHash(initial) {
  measureInsets();
  const h = parseHash(location.hash);
  if (h.z !== undefined) view.z = h.z;
  if (h.x !== undefined && h.y !== undefined) {
    view.centerOn(Math.floor(h.x), Math.floor(h.y));
    setReticle(Math.floor(h.x), Math.floor(h.y), false);
  } else if (initial) {
    view.fit();
    setReticle(Math.floor(view.cw / 2), Math.floor(view.ch / 2), false);
  }
  view.clamp();
  board.requestFrame();
  viewChanged();
  templateFromHash();
}

window.addEventListener('hashchange', () => {
  if (location.hash !== fullHash()) applyHash(false);
});

// Selects pixel (x, y): the reticle moves there and the info line follows it (after `infoDelay`
// ms, so that holding an arrow key does not ask the server for every pixel on the way).
function setReticle(x, y, follow, infoDelay = 350) {
  x = Math.max(0, Math.min(view.cw - 1, x));
  y = Math.max(0, Math.min(view.ch - 1, y));
  app.reticle = { x, y };
  board.setReticle(app.reticle);
  if (follow) {
    view.keepVisible(x, y);
    viewChanged();
  }
  showCoords(null);
  const c = board.state.colorAt(x, y);
  const swatch = c >= 0 ? `<span class="mini" style="--c:${app.palette[c]}"></span>` : '';
  els.info.innerHTML = `${swatch}<b>(${x}, ${y})</b> <span class="muted">…</span>`;
  schedulePixelInfo(infoDelay);
  updatePlaceButton();
}

// ---------------------------------------------------------------- palette

function renderPalette() {
  els.palette.textContent = '';
  app.palette.forEach((hex, i) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'swatch';
    b.setAttribute('role', 'radio');
    b.dataset.color = String(i);
    b.style.setProperty('--c', hex);
    b.setAttribute('aria-label', `${COLOR_NAMES[i]} (${i.toString(16)})`);
    b.title = `${COLOR_NAMES[i]} — key ${i.toString(16)}`;
    const k = document.createElement('span');
    k.className = 'key';
    k.textContent = i.toString(16);
    k.setAttribute('aria-hidden', 'true');
    b.append(k);
    b.addEventListener('click', () => chooseColor(i));
    els.palette.append(b);
  });
  chooseColor(app.color, true);
}

// Arrow keys inside the palette move the choice (a radio group), not the reticle.
els.palette.addEventListener('keydown', (ev) => {
  const d = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 }[ev.key];
  if (d === undefined) return;
  ev.preventDefault();
  ev.stopPropagation();
  chooseColor((app.color + d + COLORS) % COLORS);
  els.palette.children[app.color].focus();
});

function chooseColor(i, quiet) {
  app.color = i;
  stored('place.color', String(i));
  [...els.palette.children].forEach((b, j) => {
    b.setAttribute('aria-checked', j === i ? 'true' : 'false');
    b.tabIndex = j === i ? 0 : -1;
  });
  els.placeSwatch.style.setProperty('--c', app.palette[i]);
  document.documentElement.style.setProperty('--chosen', app.palette[i]);
  if (!quiet) announce(`Colour: ${COLOR_NAMES[i]}`);
  updatePlaceButton();
}

// ---------------------------------------------------------------- toasts and announcements

let toastTimer = null;
let toastLive = null; // a function giving the toast's text now: a countdown in it stays true
function toast(text, kind = 'info', ms = 4000) {
  toastLive = typeof text === 'function' ? text : null;
  els.toast.textContent = toastLive ? toastLive() : text;
  els.toast.dataset.kind = kind;
  els.toast.hidden = false;
  els.toast.classList.remove('show');
  void els.toast.offsetWidth; // restart the entrance animation
  els.toast.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(hideToast, ms);
}

function hideToast() {
  clearTimeout(toastTimer);
  els.toast.hidden = true;
  toastLive = null;
}

// Called on every cooldown tick: a countdown in a toast follows the clock; once there is nothing
// left to wait for (text null), the toast goes away rather than keep saying "wait".
function refreshToast() {
  if (!toastLive || els.toast.hidden) return;
  const t = toastLive();
  if (t === null) hideToast();
  else if (els.toast.textContent !== t) els.toast.textContent = t;
}

// "… in 26 s" for the cooldown still to run, or null once it is over.
function cooldownText(prefix) {
  return () => {
    const left = app.cooldownEnd - Date.now();
    return left > 0 ? `${prefix} ${formatLeft(left)}.` : null;
  };
}

// a toast goes away when clicked
els.toast.addEventListener('click', () => hideToast());

let announceTimer = null;
function announce(text) {
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => { els.sr.textContent = text; }, 120);
}

// ---------------------------------------------------------------- the snapshot

async function fetchSnapshot() {
  if (app.snapshotBusy) {
    app.snapshotAgain = true;
    return;
  }
  app.snapshotBusy = true;
  clearTimeout(app.snapshotTimer);
  let next = jitter(30000, 60000);
  try {
    // /api/v1/canvas redirects to the CDN or to the server's own snapshot; fetch follows it and
    // undoes gzip. no-cache revalidates with the ETag rather than trusting a stale copy.
    const res = await fetch('/api/v1/canvas', { cache: 'no-cache', credentials: 'same-origin' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const snap = decodeSnapshot(await res.arrayBuffer());
    const first = !state.ready;
    const r = state.applySnapshot(snap);
    app.snapshotFails = 0;
    if (first || view.cw !== snap.width || view.ch !== snap.height) {
      view.setCanvasSize(snap.width, snap.height);
      applyHash(true);
    }
    els.loading.hidden = true;
    if (r.stale) next = 1000; // not yet past a known gap: the snapshot can be a second behind
  } catch (e) {
    app.snapshotFails++;
    next = Math.min(15000, 1000 * 2 ** app.snapshotFails);
    if (!state.ready) els.loading.textContent = `Could not load the canvas (${e.message}); retrying…`;
  } finally {
    app.snapshotBusy = false;
  }
  if (app.snapshotAgain) {
    app.snapshotAgain = false;
    next = 0;
  }
  app.snapshotTimer = setTimeout(fetchSnapshot, next);
}

// ---------------------------------------------------------------- the WebSocket

const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
const conn = new Connection(wsUrl, {
  onState: (s, d) => showConnState(s, d),
  onMessage: (m) => handleMessage(m),
  onBinary: (buf) => {
    let batch;
    try {
      batch = decodeBatch(buf);
    } catch {
      return;
    }
    if (!batch) return;
    if (state.applyBatch(batch).gap) fetchSnapshot();
  },
  onClose: () => {
    // Answers to placements in flight will not come on a new connection: roll them back now;
    // the next snapshot shows whether they landed.
    for (const id of [...state.pending.keys()]) failPlacement(id, { code: 'OFFLINE' });
  },
});

let connTick = null;
function showConnState(s, d) {
  els.conn.dataset.state = s;
  clearInterval(connTick);
  els.connRetry.hidden = s !== 'waiting';
  if (s !== 'connected') setOnline(null); // a count from before the connection was lost is stale
  if (s === 'connected') {
    els.connText.textContent = 'Live';
    els.conn.title = 'Connected: pixels arrive as they are placed';
  } else if (s === 'connecting') {
    els.connText.textContent = 'Connecting…';
    els.conn.title = '';
  } else if (s === 'waiting' && banned()) {
    // a ban closes the socket; the page comes back at once, as the same player, to watch
    els.connText.textContent = 'Banned · watching';
    els.conn.title = banText(app.ban);
  } else if (s === 'waiting') {
    const tick = () => {
      const left = Math.max(0, Math.ceil((d.retryAt - Date.now()) / 1000));
      els.connText.textContent = `Offline · retrying in ${left} s`;
    };
    tick();
    connTick = setInterval(tick, 500);
    els.conn.title = 'The connection to the server was lost';
  }
  updatePlaceButton();
}

function handleMessage(m) {
  switch (m.type) {
    case 'init': onInit(m); break;
    case 'placed': onPlaced(m); break;
    case 'error': onError(m); break;
    case 'online': setOnline(m.count); break;
    case 'banned': setBan({ reason: String(m.reason || ''), until: Number(m.until) || 0 }); break;
    case 'settings': applySettings(m, true); break;
    case 'resync':
      state.resync(Number(m.seq) || 0);
      fetchSnapshot();
      break;
    case 'pong':
      if (typeof m.serverTime === 'number') app.clockSkew = m.serverTime - Date.now();
      break;
    default: break;
  }
}

function onInit(m) {
  if (typeof m.serverTime === 'number') app.clockSkew = m.serverTime - Date.now();
  if (m.canvasInfo) setInfo(m.canvasInfo);
  applySettings(m, false);
  if (m.user) setUser(m.user);
  // init says whether we are banned (a ban keeps the session: the same player, watching)
  setBan(m.user && m.user.isBanned
    ? { reason: String(m.user.banReason || ''), until: Number(m.user.bannedUntil) || 0 } : null);
  if (typeof m.cooldown === 'number') setCooldown(Date.now() + m.cooldown);
  setOnline(m.online);
  state.streamStart(Number(m.seq) || 0);
  // after every (re)connect: a fresh snapshot (protocol rule 5), batches meanwhile are kept
  fetchSnapshot();
  // a lookup made while offline said "history unavailable": ask again now that we are back
  if (els.info.dataset.failed === 'yes') schedulePixelInfo(0);
}

function setInfo(info) {
  app.info = info;
  if (Array.isArray(info.palette) && info.palette.length === COLORS
      && info.palette.every((c) => /^#[0-9a-f]{6}$/i.test(c))) {
    const changed = info.palette.some((c, i) => c !== app.palette[i]);
    app.palette = info.palette.slice();
    if (changed) {
      board.setPalette(app.palette);
      renderPalette();
    }
  }
  updatePlaceButton();
}

// ---------------------------------------------------------------- live rules (placed --set, --freeze)

// The frozen canvas in words, as every client says it.
function frozenText(reason) {
  return `The canvas is frozen${reason ? `: ${reason}` : ''}. You can look, but not place.`;
}

// The server's live rules, from init (quietly) or a settings message (said in a toast): the
// cooldown and whether guests may place go into the canvas info the page already reads; a
// frozen canvas shows in the dock and the place button stops offering to place.
function applySettings(m, say) {
  if (!app.info) app.info = {};
  const before = { ...app.info, frozen: !!app.frozen };
  if (typeof m.cooldownSec === 'number') app.info.cooldownSec = m.cooldownSec;
  if (typeof m.guestsCanPlace === 'boolean') app.info.guestsCanPlace = m.guestsCanPlace;
  if (typeof m.frozen === 'boolean') {
    app.frozen = m.frozen ? { reason: String(m.frozenReason || '') } : null;
    els.frozenNote.hidden = !app.frozen;
    els.frozenNote.textContent = app.frozen ? frozenText(app.frozen.reason) : '';
  }
  if (say) {
    if (app.frozen && (!before.frozen || m.frozenReason !== before.frozenReason)) {
      toast(frozenText(app.frozen.reason), 'warn', 6000);
    } else if (!app.frozen && before.frozen) {
      toast('The canvas is no longer frozen: you may place pixels again.', 'good', 5000);
    } else if (app.info.cooldownSec !== before.cooldownSec) {
      toast(`The cooldown is now ${app.info.cooldownSec ? formatLeft(app.info.cooldownSec * 1000) : 'off'}.`, 'info', 5000);
    } else if (app.info.guestsCanPlace !== before.guestsCanPlace) {
      toast(app.info.guestsCanPlace ? 'Guests may place pixels again.'
        : 'Guests may no longer place pixels: log in or register to place.', 'info', 5000);
    }
  }
  app.info.frozenReason = app.frozen ? app.frozen.reason : '';
  updatePlaceButton();
}

// ---------------------------------------------------------------- placing

function placeAtReticle() {
  const { x, y } = app.reticle;
  if (timeMode.active) {
    toast('You are looking at the past: placing is off. Press Live (or t) to go back.', 'warn');
    return;
  }
  if (banned()) {
    toast(banText(app.ban), 'error', 6000);
    return;
  }
  if (!state.ready) {
    toast('The canvas is still loading.', 'warn');
    return;
  }
  if (app.frozen) {
    toast(frozenText(app.frozen.reason), 'warn', 6000);
    return;
  }
  if (app.info && app.info.guestsCanPlace === false && app.user && app.user.isGuest) {
    toast(ERROR_WORDS.NOT_ALLOWED, 'warn');
    openAuth('login');
    return;
  }
  const left = app.cooldownEnd - Date.now();
  if (left > 0) {
    toast(cooldownText('Your next pixel is ready in'), 'warn');
    pulse(els.placeBtn);
    return;
  }
  if (state.hasPending()) {
    toast('Waiting for the server to confirm your last pixel…', 'info', 2000);
    return;
  }
  if (!conn.open) {
    toast('Not connected: you can place again once the connection is back.', 'error');
    return;
  }
  const requestId = `w${Date.now().toString(36)}-${app.nextRequest++}`;
  state.addPending(requestId, x, y, app.color, Date.now());
  conn.send({ type: 'place', x, y, color: app.color, requestId });
  // the cooldown starts at once; the server's answer corrects it
  setCooldown(Date.now() + cooldownMs());
  armTimeout();
  announce(`Placed ${COLOR_NAMES[app.color]} at ${x}, ${y}`);
}

function cooldownMs() {
  return ((app.info && app.info.cooldownSec) || 0) * 1000;
}

function armTimeout() {
  clearTimeout(app.timeoutTimer);
  app.timeoutTimer = setTimeout(function check() {
    for (const id of state.expired(Date.now(), PLACE_TIMEOUT_MS)) failPlacement(id, { code: 'TIMEOUT' });
    if (state.hasPending()) app.timeoutTimer = setTimeout(check, 500);
  }, PLACE_TIMEOUT_MS);
}

function onPlaced(m) {
  const p = state.confirm(m.requestId, Number(m.seq));
  if (typeof m.nextPlacement === 'number') setCooldown(serverToLocal(m.nextPlacement));
  if (p) {
    els.placeBtn.classList.add('done');
    setTimeout(() => els.placeBtn.classList.remove('done'), 700);
    schedulePixelInfo(0);
  }
}

// ---------------------------------------------------------------- a ban

// The ban in words, as every client says it: "You are banned from placing pixels: spam (until …)."
function banText(b) {
  let t = 'You are banned from placing pixels';
  if (b.reason) t += `: ${b.reason}`;
  if (b.until) t += ` (until ${new Date(serverToLocal(b.until)).toLocaleString()})`;
  return `${t}.`;
}

function banned() {
  return !!app.ban && (!app.ban.until || serverToLocal(app.ban.until) > Date.now());
}

// Shows (or takes away) the ban in the dock; the place button stops offering to place.
function setBan(ban) {
  app.ban = ban;
  els.banNote.hidden = !ban;
  els.banNote.textContent = ban ? banText(ban) : '';
  clearTimeout(app.banTimer);
  if (ban && ban.until) {
    // a timed ban ends by itself: the page offers to place again then
    const left = serverToLocal(ban.until) - Date.now();
    app.banTimer = setTimeout(() => setBan(null), Math.max(0, Math.min(left, 2 ** 31 - 1)));
  }
  updatePlaceButton();
}

function onError(m) {
  if (m.code === 'BANNED' && !banned()) setBan({ reason: '', until: 0 });
  if (m.requestId !== undefined && state.pending.has(m.requestId)) {
    failPlacement(m.requestId, m);
  } else {
    toast(errorText(m), 'error', 6000);
  }
  if ((m.code === 'COOLDOWN') && typeof m.retryAfter === 'number') {
    setCooldown(Date.now() + m.retryAfter);
  }
}

function failPlacement(requestId, err) {
  const p = state.reject(requestId, err.code === 'TIMEOUT');
  if (!p) return;
  if (err.code === 'COOLDOWN' && typeof err.retryAfter === 'number') {
    setCooldown(Date.now() + err.retryAfter);
    toast(cooldownText('Too soon: your pixel was not placed. You can place again in'), 'error', 6000);
  } else {
    if (err.code !== 'COOLDOWN' && err.code !== 'RATE_LIMITED') setCooldown(0, false);
    if (err.code === 'RATE_LIMITED' && typeof err.retryAfter === 'number') setCooldown(Date.now() + err.retryAfter);
    const words = err.code === 'TIMEOUT' || err.code === 'OFFLINE' ? ERROR_WORDS[err.code] : errorText(err);
    toast(err.code === 'TIMEOUT' || err.code === 'OFFLINE' ? words : `Your pixel was not placed: ${words}`, 'error', 6000);
  }
  if (err.code === 'NOT_ALLOWED') openAuth('login');
}

function serverToLocal(t) {
  return t ? t - app.clockSkew : 0;
}

// ---------------------------------------------------------------- the cooldown

let cooldownTick = null;
let readyTimer = null;
let wasWaiting = false;
// end: local ms from which the player may place (0: now). cue: whether the end of a cooldown
// running until now deserves the "ready" cue (not when a failed placement just cancels it).
function setCooldown(end, cue = true) {
  // The clock skew is measured from a message that was some time in transit, so a converted
  // server time can land a little late; no wait is ever longer than the cooldown itself.
  const longest = cooldownMs();
  if (longest && end > Date.now() + longest) end = Date.now() + longest;
  app.cooldownEnd = end > Date.now() ? end : 0;
  clearInterval(cooldownTick);
  clearTimeout(readyTimer);
  if (app.cooldownEnd) {
    wasWaiting = true;
    cooldownTick = setInterval(updatePlaceButton, 250);
    // a hidden tab's interval is slowed (to once a minute after a while); one timer at the end
    // keeps the ready cue, the chime and the notification on time
    readyTimer = setTimeout(updatePlaceButton, app.cooldownEnd - Date.now() + 20);
  } else if (!cue) {
    wasWaiting = false;
  }
  updatePlaceButton();
}

function formatLeft(ms) {
  const s = Math.max(1, Math.ceil(ms / 1000));
  const m = Math.floor(s / 60);
  return m ? `${m}:${String(s % 60).padStart(2, '0')}` : `${s} s`;
}

function clock(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function updatePlaceButton() {
  const left = app.cooldownEnd - Date.now();
  const b = els.placeBtn;
  refreshToast();
  if (timeMode.active) {
    b.dataset.mode = 'time';
    els.placeLabel.textContent = 'Viewing the past';
    b.setAttribute('aria-label', 'Placing is off while viewing the past: press Live to go back');
    document.title = app.baseTitle;
    return;
  }
  if (banned()) {
    b.dataset.mode = 'banned';
    els.placeLabel.textContent = 'Banned';
    b.setAttribute('aria-label', banText(app.ban));
    document.title = app.baseTitle;
    return;
  }
  if (app.frozen) {
    b.dataset.mode = 'frozen';
    els.placeLabel.textContent = 'Canvas frozen';
    b.setAttribute('aria-label', frozenText(app.frozen.reason));
    document.title = app.baseTitle;
    return;
  }
  if (left > 0) {
    b.dataset.mode = 'cooldown';
    app.cooldownTotal = Math.max(app.cooldownTotal || 0, left, cooldownMs());
    b.style.setProperty('--left', `${((100 * left) / app.cooldownTotal).toFixed(1)}%`);
    els.placeLabel.textContent = `Next pixel in ${clock(left)}`;
    b.setAttribute('aria-label', `Cooldown: next pixel in ${formatLeft(left)}`);
    document.title = `(${clock(left)}) ${app.baseTitle}`;
    return;
  }
  if (app.cooldownEnd) {
    clearInterval(cooldownTick);
    app.cooldownEnd = 0;
  }
  app.cooldownTotal = 0;
  if (wasWaiting) {
    wasWaiting = false;
    readyCue();
  }
  const guestBlocked = app.info && app.info.guestsCanPlace === false && app.user && app.user.isGuest;
  b.dataset.mode = guestBlocked ? 'login' : conn.open ? 'ready' : 'offline';
  els.placeLabel.textContent = guestBlocked ? 'Log in to place'
    : conn.open ? `Place ${COLOR_NAMES[app.color]}` : 'Offline';
  b.setAttribute('aria-label', guestBlocked ? 'Log in to place pixels'
    : `Place ${COLOR_NAMES[app.color]} at ${app.reticle.x}, ${app.reticle.y}`);
  document.title = app.readyCue ? `✦ Ready to place · ${app.baseTitle}` : app.baseTitle;
}

// The cooldown is over: say so on the page and in the tab title.
function readyCue() {
  els.placeBtn.classList.add('ready-cue');
  app.readyCue = true;
  document.title = `✦ Ready to place · ${app.baseTitle}`;
  toast('Your next pixel is ready!', 'good', 3500);
  announce('Your cooldown is over: you can place a pixel.');
  if (app.sound) chime();
  notifyReady();
  const clear = () => {
    if (document.hidden) return; // keep the cue in the tab title until the player looks
    document.removeEventListener('visibilitychange', later);
    els.placeBtn.classList.remove('ready-cue');
    app.readyCue = false;
    updatePlaceButton();
  };
  const later = () => setTimeout(clear, 4000);
  document.addEventListener('visibilitychange', later);
  setTimeout(clear, 6000);
}

// ---------------------------------------------------------------- alerts: chime, notification

let audio = null;
// The AudioContext is made (or resumed) on a player's gesture, as browsers require, so that the
// chime can play later in a hidden tab.
function wakeAudio() {
  if (!app.sound || typeof AudioContext === 'undefined') return;
  if (!audio) audio = new AudioContext();
  if (audio.state === 'suspended') audio.resume().catch(() => {});
}

// Two short soft tones, made on the spot (no sound file to fetch).
function chime() {
  wakeAudio();
  if (!audio) return;
  const t = audio.currentTime;
  [[880, 0], [1320, 0.14]].forEach(([f, at]) => {
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.type = 'sine';
    o.frequency.value = f;
    g.gain.setValueAtTime(0.0001, t + at);
    g.gain.exponentialRampToValueAtTime(0.18, t + at + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.3);
    o.connect(g).connect(audio.destination);
    o.start(t + at);
    o.stop(t + at + 0.32);
  });
  app.chimed = (app.chimed || 0) + 1;
}

function notifyAllowed() {
  return typeof Notification !== 'undefined' && Notification.permission === 'granted'
    && stored('place.notify') !== '0';
}

// The cooldown ended while the player looks elsewhere: a desktop notification (when allowed).
function notifyReady() {
  if (!document.hidden || !notifyAllowed()) return;
  try {
    const n = new Notification('Place: your next pixel is ready', {
      body: 'Your cooldown is over: come back and place a pixel.',
      tag: 'place-ready', icon: 'favicon.svg',
    });
    app.notice = { title: n.title, body: n.body, shown: false };
    n.addEventListener('show', () => { app.notice.shown = true; });
    n.addEventListener('click', () => { window.focus(); n.close(); });
    // once the player is back the notification has done its work
    document.addEventListener('visibilitychange', () => { if (!document.hidden) n.close(); }, { once: true });
  } catch { /* a browser that allows notifications only from a service worker */ }
}

function showAlertOptions() {
  els.optSound.checked = app.sound;
  els.optNotify.checked = notifyAllowed();
  els.optNotify.disabled = typeof Notification === 'undefined' || Notification.permission === 'denied';
}

els.optSound.addEventListener('change', () => {
  app.sound = els.optSound.checked;
  stored('place.sound', app.sound ? '1' : '0');
  if (app.sound) chime(); // a sample, and the gesture that lets it play later
});

els.optNotify.addEventListener('change', async () => {
  if (!els.optNotify.checked) {
    stored('place.notify', '0');
  } else {
    stored('place.notify', '1');
    if (typeof Notification !== 'undefined' && Notification.permission === 'default') {
      try { await Notification.requestPermission(); } catch { /* refused */ }
    }
  }
  showAlertOptions();
});
document.addEventListener('pointerdown', wakeAudio);
document.addEventListener('keydown', wakeAudio);

// ---------------------------------------------------------------- players online

function setOnline(count) {
  app.online = Number.isInteger(count) && count >= 0 ? count : null;
  els.online.hidden = app.online === null;
  if (app.online === null) return;
  els.onlineCount.textContent = `${app.online.toLocaleString()} online`;
  els.online.title = `${app.online.toLocaleString()} player${app.online === 1 ? '' : 's'} online now`;
}

// ---------------------------------------------------------------- the minimap

minimap = new Minimap(els.minimap, board, view, (x, y) => {
  view.centerOn(x, y);
  setReticle(x, y, false, 0);
  board.requestFrame();
  viewChanged();
});

function showMinimap(on, remember = true) {
  minimap.show(on);
  if (remember) stored('place.minimap', on ? '1' : '0');
}

function pulse(el) {
  el.classList.remove('shake');
  void el.offsetWidth;
  el.classList.add('shake');
}

// ---------------------------------------------------------------- who placed a pixel

let infoTimer = null;
let infoSeq = 0;
function schedulePixelInfo(delay = 350) {
  clearTimeout(infoTimer);
  infoTimer = setTimeout(loadPixelInfo, delay);
}

async function loadPixelInfo() {
  if (!state.ready) return;
  const { x, y } = app.reticle;
  const mine = ++infoSeq;
  const colour = state.colorAt(x, y);
  const swatch = colour >= 0 ? `<span class="mini" style="--c:${app.palette[colour]}"></span>` : '';
  try {
    const res = await fetch(`/api/v1/pixel?x=${x}&y=${y}`, { credentials: 'same-origin', cache: 'no-store' });
    const body = await res.json();
    if (mine !== infoSeq) return;
    if (!res.ok) throw new Error(errorText(body));
    const last = body.placements && body.placements[0];
    let text;
    if (!last) {
      const name = colour >= 0 ? `${escapeHtml(COLOR_NAMES[colour])}, ` : '';
      text = `${swatch}<b>(${x}, ${y})</b> ${name}<span class="muted">nobody has placed here yet</span>`;
    } else {
      const when = new Date(last.time);
      const n = body.placements.length;
      text = `${swatch}<b>(${x}, ${y})</b> ${escapeHtml(COLOR_NAMES[last.color] || '')} by `
        + `<b class="name">${escapeHtml(last.username || 'someone')}</b> `
        + `<time datetime="${when.toISOString()}" title="${escapeHtml(when.toLocaleString())}">${ago(last.time)}</time>`
        + ` <span class="muted">· ${n >= 50 ? '50+' : n} placement${n === 1 ? '' : 's'}</span>`;
    }
    els.info.innerHTML = text;
    els.info.dataset.failed = 'no';
    showAdminCommands(last);
  } catch (e) {
    if (mine === infoSeq) {
      els.info.innerHTML = `${swatch}<b>(${x}, ${y})</b> <span class="muted">history unavailable</span>`;
      els.info.dataset.failed = 'yes';
    }
  }
}

// For an admin (isAdmin from /api/v1/auth/me): the commands that act on whoever placed the pixel
// shown, to run on the server (placed --revert-user, --ban), each with a Copy button. A guest is
// named as shown (guest-1234abcd: placed takes it when it names exactly one user, and otherwise
// lists the matching ids); by its id when it has no shown name.
function showAdminCommands(last) {
  const box = els.adminCmds;
  if (!app.user || !app.user.isAdmin || !last || !last.userId) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const who = last.username || last.userId;
  const cmds = [
    `placed --revert-user ${who}`,
    last.username ? `placed --ban ${who}` : `placed --ban-id ${who}`,
  ];
  const title = document.createElement('div');
  title.className = 'muted';
  title.textContent = `Admin: act on ${last.username || last.userId} (run on the server, with its --config or --data-dir)`;
  const rows = cmds.map((cmd) => {
    const row = document.createElement('div');
    row.className = 'cmd';
    const code = document.createElement('code');
    code.textContent = cmd;
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.textContent = 'Copy';
    copy.setAttribute('aria-label', `Copy ${cmd}`);
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(cmd);
        toast(`Copied: ${cmd}`, 'good', 2500);
      } catch {
        window.getSelection().selectAllChildren(code); // no clipboard here: select it to copy
        toast('Selected: press Ctrl+C to copy.', 'info', 2500);
      }
    });
    row.append(code, copy);
    return row;
  });
  box.replaceChildren(title, ...rows);
  box.hidden = false;
}

function ago(t) {
  const s = Math.max(0, Math.round((Date.now() + app.clockSkew - t) / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// ---------------------------------------------------------------- account

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  let data = null;
  try {
    data = await res.json();
  } catch { /* empty body */ }
  if (!res.ok) {
    const err = new Error(errorText(data || { code: `HTTP ${res.status}` }));
    err.code = data && data.error;
    throw err;
  }
  return data;
}

function setUser(u) {
  app.user = u;
  els.whoName.textContent = u.username || 'guest';
  els.who.dataset.guest = u.isGuest ? 'yes' : 'no';
  els.who.title = u.isGuest ? 'You are playing as a guest' : `Logged in as ${u.username}`;
  els.login.hidden = !u.isGuest;
  els.register.hidden = !u.isGuest;
  els.logout.hidden = !!u.isGuest;
  updatePlaceButton();
}

async function loadMe() {
  try {
    const me = await api('GET', '/api/v1/auth/me');
    setUser(me);
    if (typeof me.nextPlacement === 'number' && me.nextPlacement) setCooldown(serverToLocal(me.nextPlacement));
  } catch { /* the WebSocket's init carries the user too */ }
}

let authMode = 'login';
function openAuth(mode) {
  authMode = mode;
  const reg = mode === 'register';
  els.authTitle.textContent = reg ? 'Create an account' : 'Log in';
  els.authHint.textContent = reg
    ? 'Your guest pixels and cooldown carry over. 3–32 letters, digits, _ or -; 8+ character password.'
    : 'Keep your name and cooldown on every device.';
  els.authSubmit.textContent = reg ? 'Sign up' : 'Log in';
  els.authSwitch.textContent = reg ? 'Have an account? Log in' : 'No account? Sign up';
  els.authPass.autocomplete = reg ? 'new-password' : 'current-password';
  els.authError.textContent = '';
  if (!els.authDialog.open) els.authDialog.showModal();
  els.authUser.focus();
}

els.login.addEventListener('click', () => openAuth('login'));
els.register.addEventListener('click', () => openAuth('register'));
els.authSwitch.addEventListener('click', () => openAuth(authMode === 'login' ? 'register' : 'login'));
els.authCancel.addEventListener('click', () => els.authDialog.close());
els.authForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const username = els.authUser.value.trim();
  const password = els.authPass.value;
  // every problem at once, not one per try
  const problems = [];
  if (!/^[A-Za-z0-9_-]{3,32}$/.test(username)) problems.push(ERROR_WORDS.BAD_USERNAME);
  if (password.length < 8) problems.push(ERROR_WORDS.BAD_PASSWORD);
  if (problems.length) {
    els.authError.textContent = problems.join(' ');
    return;
  }
  els.authSubmit.disabled = true;
  els.authError.textContent = '';
  try {
    await api('POST', `/api/v1/auth/${authMode}`, { username, password });
    els.authPass.value = '';
    els.authDialog.close();
    await loadMe();
    conn.reconnectNow(); // the WebSocket is bound to the session it was opened with
    toast(authMode === 'register' ? `Welcome to Place, ${username}!` : `Welcome back, ${username}.`, 'good');
  } catch (e) {
    els.authError.textContent = e.message;
  } finally {
    els.authSubmit.disabled = false;
  }
});

els.logout.addEventListener('click', async () => {
  try {
    await api('POST', '/api/v1/auth/logout');
  } catch (e) {
    toast(e.message, 'error');
  }
  setCooldown(0, false);
  await loadMe();
  conn.reconnectNow();
  toast('You are logged out and playing as a guest.', 'info');
});

// ---------------------------------------------------------------- dialogs, buttons, keys

for (const d of [els.authDialog, els.gotoDialog, els.helpDialog, els.tmplDialog]) {
  d.addEventListener('click', (ev) => {
    if (ev.target.hasAttribute('data-close')) {
      d.close();
      return;
    }
    // a click on the backdrop (outside the dialog's box) closes it
    const r = d.getBoundingClientRect();
    const outside = ev.clientX < r.left || ev.clientX > r.right || ev.clientY < r.top || ev.clientY > r.bottom;
    if (ev.target === d && outside && ev.detail > 0) d.close();
  });
  d.addEventListener('close', () => els.board.focus({ preventScroll: true }));
}

function openGoto() {
  els.gotoInput.value = `${app.reticle.x}, ${app.reticle.y}`;
  els.gotoError.textContent = '';
  els.gotoDialog.showModal();
  els.gotoInput.select();
}

els.gotoForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const m = /^\s*(\d+)\s*[, ]\s*(\d+)\s*$/.exec(els.gotoInput.value);
  if (!m || +m[1] >= view.cw || +m[2] >= view.ch) {
    els.gotoError.textContent = `Type x,y with x below ${view.cw} and y below ${view.ch}.`;
    return;
  }
  els.gotoDialog.close();
  if (view.z < 8) view.z = 8;
  view.centerOn(+m[1], +m[2]);
  setReticle(+m[1], +m[2], false);
  board.requestFrame();
  viewChanged();
});

els.tmplBtn.addEventListener('click', () => {
  const m = app.tmpl;
  els.tmplUrl.value = m.url;
  els.tmplAt.value = m.url ? `${m.x}, ${m.y}` : `${app.reticle.x}, ${app.reticle.y}`;
  els.tmplError.textContent = '';
  els.tmplRemove.hidden = !m.url;
  els.tmplDialog.showModal();
  els.tmplUrl.focus();
});

els.tmplForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const url = els.tmplUrl.value.trim();
  const at = /^\s*(\d+)\s*[, ]\s*(\d+)\s*$/.exec(els.tmplAt.value);
  if (!url || !at) {
    els.tmplError.textContent = 'Type the PNG\'s address and where its top-left pixel goes (x, y).';
    return;
  }
  els.tmplDialog.close();
  loadTemplate(url, +at[1], +at[2]);
});

els.tmplRemove.addEventListener('click', () => {
  els.tmplDialog.close();
  app.tmpl.loading++;
  dropTemplate();
});

function fitView() {
  measureInsets();
  view.fit();
  board.requestFrame();
  viewChanged();
}

function zoomBy(f) {
  const s = view.canvasToScreen(app.reticle.x + 0.5, app.reticle.y + 0.5);
  const inside = s.x >= 0 && s.y >= 0 && s.x <= view.vw && s.y <= view.vh;
  view.zoomAt(inside ? s.x : view.vw / 2, inside ? s.y : view.vh / 2, view.z * f);
  board.requestFrame();
  viewChanged();
}

els.zoomIn.addEventListener('click', () => zoomBy(1.6));
els.zoomOut.addEventListener('click', () => zoomBy(1 / 1.6));
els.zoomFit.addEventListener('click', () => fitView());
els.placeBtn.addEventListener('click', () => {
  if (els.placeBtn.dataset.mode === 'login') openAuth('login');
  else placeAtReticle();
});
els.help.addEventListener('click', () => {
  showAlertOptions();
  els.helpDialog.showModal();
});
els.oneClick.checked = app.oneClick;
els.oneClick.addEventListener('change', () => {
  app.oneClick = els.oneClick.checked;
  stored('place.oneClick', app.oneClick ? '1' : '0');
});
els.connRetry.addEventListener('click', () => conn.reconnectNow());

document.addEventListener('keydown', (ev) => {
  if (ev.defaultPrevented || ev.altKey || ev.metaKey || ev.ctrlKey) return;
  if (document.querySelector('dialog[open]')) return; // dialogs handle their own keys (Esc closes)
  const t = ev.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
  const onButton = t && t.tagName === 'BUTTON' && !t.classList.contains('swatch');
  const k = ev.key;
  const act = keyAction(k, ev.shiftKey); // keys.js: the key table's action names
  const moves = {
    left: [-1, 0], right: [1, 0], up: [0, -1], down: [0, 1],
    left8: [-8, 0], right8: [8, 0], up8: [0, -8], down8: [0, 8],
  };
  let handled = true;
  if (!(k === ' ' && onButton) && timeMode.key(act, k)) {
    // t, w, the time mode's steps; Space and Esc there
  } else if (moves[act]) {
    const [dx, dy] = moves[act];
    setReticle(app.reticle.x + dx, app.reticle.y + dy, true);
    const c = state.colorAt(app.reticle.x, app.reticle.y);
    announce(`${app.reticle.x}, ${app.reticle.y}${c >= 0 ? `: ${COLOR_NAMES[c]}` : ''}`);
  } else if (act === 'color') {
    chooseColor(parseInt(k, 16));
  } else if (act === 'prev-color' || act === 'next-color') {
    chooseColor((app.color + (act === 'next-color' ? 1 : COLORS - 1)) % COLORS);
  } else if (act === 'place' && !onButton) {
    placeAtReticle();
  } else if (act === 'zoom-in') {
    zoomBy(1.6);
  } else if (act === 'zoom-out') {
    zoomBy(1 / 1.6);
  } else if (act === 'fit') {
    fitView();
  } else if (act === 'goto') {
    openGoto();
  } else if (act === 'info') {
    clearTimeout(infoTimer);
    loadPixelInfo().then(() => announce(els.info.textContent));
  } else if (act === 'template') {
    if (!noTemplate()) {
      app.tmpl.shown = !app.tmpl.shown;
      showTemplate();
      toast(`Template ${app.tmpl.shown ? 'shown' : 'hidden'}.`, 'info', 2000);
    }
  } else if (act === 'template-style') {
    if (!noTemplate()) {
      if (app.tmpl.shown) app.tmpl.style = (app.tmpl.style + 1) % STYLES.length;
      app.tmpl.shown = true;
      showTemplate();
      toast(`Template style: ${STYLES[app.tmpl.style].name}.`, 'info', 2000);
    }
  } else if (act === 'next-wrong') {
    nextWrongPixel();
  } else if (act === 'minimap') {
    showMinimap(!minimap.shown);
    announce(minimap.shown ? 'Minimap shown' : 'Minimap hidden');
  } else if (act === 'help') {
    showAlertOptions();
    els.helpDialog.showModal();
  } else {
    handled = false;
  }
  if (handled) {
    ev.preventDefault();
    document.body.classList.add('keys'); // show each colour's key on the palette
  }
});
document.addEventListener('pointerdown', () => document.body.classList.remove('keys'));

// ---------------------------------------------------------------- start

renderPalette();
board.setPalette(app.palette);
// shown unless the player hid it (on a phone-sized screen: only once asked for, it would cover much)
showMinimap((stored('place.minimap') ?? (window.innerWidth >= 700 ? '1' : '0')) === '1', false);
showAlertOptions();
view.setCanvasSize(64, 64);
showCoords(null);
updatePlaceButton();
setInterval(() => { if (els.info.querySelector('time')) schedulePixelInfo(0); }, 30000);

(async () => {
  try {
    setInfo(await api('GET', '/api/v1/canvas/info'));
  } catch { /* init brings it too */ }
  await loadMe(); // makes sure a session cookie exists before the WebSocket upgrade
  conn.start();
  if (!stored('place.welcomed')) {
    stored('place.welcomed', '1');
    toast('Welcome! Click a pixel to see who placed it, pick a colour, then press Place. Press ? for keys.', 'info', 6000);
  }
  // view the canvas even if the WebSocket does not come up
  setTimeout(() => { if (!state.ready) fetchSnapshot(); }, 3000);
})();

// For the end-to-end tests and the curious: read-only handles on the client's state.
window.place = { state, view, app, conn, board, refresh: fetchSnapshot, loadTemplate, time: timeMode };
