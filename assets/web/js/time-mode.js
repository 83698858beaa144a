// The page's time mode and heatmap: the timeline bar (slider from the first placement to now,
// play/pause, speed, "Live"), the requests the time machine (timeline.js) asks for, and the
// heatmap overlay. The live canvas (CanvasState) and its WebSocket go on meanwhile, untouched:
// the board just draws from the time machine's canvas until "Live".

import { Timeline, TimeState, decodeHeatmap, SPEEDS } from './timeline.js';
import { decodeSnapshot, decodeBatch, errorText } from './protocol.js';

const HEAT_REFRESH_MS = 30000;
const BUSY_RETRY_MS = 1000;

export class TimeMode {
  // board: Board; live: CanvasState; els: the page's elements; hooks: { toast(text, kind, ms),
  // changed() (time mode went on or off: the Place button and the info line follow) }
  constructor(board, live, els, hooks) {
    this.board = board;
    this.live = live;
    this.els = els;
    this.hooks = hooks;
    this.t = new Timeline();
    this.view = new TimeState(this.t);
    this.ticker = null;
    this.shownVersion = -1;
    this.heatOn = false;
    this.heatTimer = null;
    this.heatAsk = 0;
    this.retryAt = 0;
    els.timePlay.addEventListener('click', () => this.play(!this.t.playing));
    els.timeLive.addEventListener('click', () => this.leave());
    els.timeSlider.addEventListener('input', () => this.seek(Number(els.timeSlider.value)));
    els.timeSpeed.addEventListener('change', () => {
      this.t.speed = Number(els.timeSpeed.value) || 1;
    });
    els.timeBtn.addEventListener('click', () => (this.active ? this.leave() : this.enter()));
    els.heatBtn.addEventListener('click', () => this.heat(!this.heatOn));
  }

  get active() {
    return this.t.active;
  }

  // The newest seq the live canvas knows.
  newest() {
    return Math.max(this.live.lastSeq || 0, this.live.baseSeq > 0 ? this.live.baseSeq : 0);
  }

  enter() {
    if (!this.live.ready) {
      this.hooks.toast('The canvas is still loading.', 'warn');
      return;
    }
    this.t.enter(this.newest());
    this.shownVersion = -1;
    this.els.timeline.hidden = false;
    this.els.timeBtn.setAttribute('aria-pressed', 'true');
    document.body.dataset.time = 'on';
    clearInterval(this.ticker);
    this.ticker = setInterval(() => this.tick(), 50);
    this.hooks.toast('History: drag the slider or press , and . to step, Space to play. Placing is off until you press Live.', 'info', 5000);
    this.hooks.changed();
    this.render();
    this.pump();
  }

  leave() {
    if (!this.active) return;
    this.t.leave();
    clearInterval(this.ticker);
    this.ticker = null;
    this.els.timeline.hidden = true;
    this.els.timeBtn.setAttribute('aria-pressed', 'false');
    delete document.body.dataset.time;
    // the live canvas kept following the WebSocket all along: draw it again, as it is now
    this.board.setState(this.live);
    this.board.pixelChanged(-1);
    this.hooks.changed();
  }

  step(n) {
    if (!this.active) this.enter();
    if (!this.active) return;
    this.t.stepBy(n);
    this.render();
    this.pump();
  }

  seek(seq) {
    if (!this.active) return;
    this.t.seek(seq);
    this.render();
    this.pump();
  }

  play(on) {
    if (!this.active) return;
    this.t.play(on, Date.now());
    this.render();
    this.pump();
  }

  // Doubles (or halves) the play speed, 1x to 16x, as the speed menu does.
  speed(faster) {
    const t = this.t;
    t.speed = faster ? Math.min(SPEEDS[SPEEDS.length - 1], t.speed * 2) : Math.max(1, t.speed / 2);
    this.hooks.toast(`Playing at ${t.speed}×.`, 'info', 1500);
    this.render();
  }

  tick() {
    this.t.setNewest(this.newest());
    if (this.t.tick(Date.now())) this.hooks.toast('Played up to now. Press Live to place again.', 'info', 3000);
    this.pump();
    this.render();
  }

  // Sends the machine's next request (one at a time) and hands it the answer.
  async pump() {
    if (Date.now() < this.retryAt) return;
    const r = this.t.next();
    if (!r) return;
    let res;
    try {
      res = await fetch(Timeline.url(r), { credentials: 'same-origin' });
      const newest = Number(res.headers.get('X-Place-Seq')) || 0;
      if (res.status === 503) { // too many history builds at once: again in a second
        this.t.onBusy();
        this.retryAt = Date.now() + BUSY_RETRY_MS; // the ticker asks again after that
        return;
      }
      if (!res.ok) {
        let body = null;
        try { body = await res.json(); } catch { /* not JSON */ }
        this.t.onFailed(newest);
        if (this.t.failed) this.hooks.toast(`Cannot load that moment: ${errorText(body || {})}`, 'error');
      } else if (r.kind === 'info') {
        this.t.onInfo(await res.json());
      } else if (r.kind === 'snapshot') {
        this.t.onSnapshot(decodeSnapshot(await res.arrayBuffer()));
      } else {
        const batch = decodeBatch(await res.arrayBuffer());
        if (batch) this.t.onHistory(batch, newest);
        else this.t.onFailed(0);
      }
    } catch (e) {
      if (this.t.out === r) this.t.onFailed(0);
      if (this.t.failed) this.hooks.toast(`Cannot load that moment (${e.message}).`, 'error');
    }
    this.render();
    this.pump();
  }

  // The bar and the board follow the machine.
  render() {
    const t = this.t;
    if (!t.active) return;
    if (t.have && this.shownVersion !== t.version) {
      this.shownVersion = t.version;
      this.board.setState(this.view);
      this.board.pixelChanged(-1);
    }
    const s = this.els.timeSlider;
    s.min = String(t.min);
    s.max = String(Math.max(t.newest, t.min));
    if (document.activeElement !== s || !t.loading) s.value = String(t.target);
    const seq = t.have ? t.seq : t.target;
    let when = '';
    if (t.timeMs > 0) when = new Date(t.timeMs).toLocaleString();
    else if (t.have && seq <= t.min) when = 'before the first pixel';
    const state = t.failed ? 'failed' : t.playing ? `playing ${t.speed}×` : t.loading ? 'loading…' : 'paused';
    const label = `seq ${seq} / ${t.newest}${when ? ` · ${when}` : ''} · ${state}`;
    if (this.els.timeLabel.textContent !== label) this.els.timeLabel.textContent = label;
    const play = t.playing ? '❚❚' : '▶';
    if (this.els.timePlay.textContent !== play) {
      this.els.timePlay.textContent = play;
      this.els.timePlay.setAttribute('aria-label', t.playing ? 'Pause' : 'Play');
    }
    if (this.els.timeSpeed.value !== String(t.speed)) this.els.timeSpeed.value = String(t.speed);
  }

  // The heatmap overlay on or off; while on it is fetched again every 30 s.
  async heat(on, quiet = false) {
    clearTimeout(this.heatTimer);
    this.heatOn = on;
    this.els.heatBtn.setAttribute('aria-pressed', on ? 'true' : 'false');
    const ask = ++this.heatAsk;
    if (!on) {
      this.board.setHeat(null);
      return;
    }
    try {
      const res = await fetch('/api/v1/canvas/heatmap', { credentials: 'same-origin' });
      if (!res.ok) {
        let body = null;
        try { body = await res.json(); } catch { /* not JSON */ }
        throw new Error(errorText(body || {}));
      }
      const hm = decodeHeatmap(await res.arrayBuffer());
      if (ask !== this.heatAsk || !this.heatOn) return;
      this.heatMap = hm;
      this.board.setHeat(hm);
      let total = 0;
      for (const k of hm.cells) total += k;
      if (!quiet) {
        this.hooks.toast(total ? `Heatmap: ${total} placement${total === 1 ? '' : 's'} in the last hour, red where most.`
          : 'Heatmap: no pixels placed in the last hour.', 'info', 3500);
      }
      this.heatTimer = setTimeout(() => { if (this.heatOn) this.heat(true, true); }, HEAT_REFRESH_MS);
    } catch (e) {
      if (ask !== this.heatAsk) return;
      this.heatOn = false;
      this.els.heatBtn.setAttribute('aria-pressed', 'false');
      this.board.setHeat(null);
      this.hooks.toast(`No heatmap: ${e.message}`, 'error');
    }
  }

  // The keys of docs/keys.md for time mode and the heatmap: act is the key's action (keys.js),
  // k the key itself (Space and Esc do something else in time mode). Returns true when it was one.
  key(act, k) {
    if (act === 'time') {
      if (this.active) this.leave();
      else this.enter();
    } else if (act === 'heat') {
      this.heat(!this.heatOn);
    } else if (act === 'time-back' || act === 'time-fwd') {
      this.step(act === 'time-back' ? -1 : 1);
    } else if ((act === 'time-back10' || act === 'time-fwd10') && this.active && this.t.playing) {
      this.speed(act === 'time-fwd10'); // playing: < and > are slower and faster
    } else if (act === 'time-back10' || act === 'time-fwd10') {
      this.step(act === 'time-back10' ? -10 : 10);
    } else if (this.active && k === ' ') {
      this.play(!this.t.playing);
    } else if (this.active && k === 'Escape') {
      this.leave();
    } else {
      return false;
    }
    return true;
  }
}
