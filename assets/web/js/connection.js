// The WebSocket to /ws: connects, reconnects with backoff, pings every 30 s, and reports its
// state. JSON messages go to onMessage, binary frames (ArrayBuffer) to onBinary.

import { Backoff } from './backoff.js';

const PING_MS = 30000;
const PONG_WAIT_MS = 10000; // no word from the server this long after a ping: the link is dead
const CONNECT_WAIT_MS = 10000;

export class Connection {
  // handlers: { onMessage(obj), onBinary(buf), onState(state, detail), onClose(info) }
  // state is 'connecting' | 'connected' | 'waiting' (detail.retryAt: ms) .
  constructor(url, handlers) {
    this.url = url;
    this.h = handlers;
    this.backoff = new Backoff();
    this.ws = null;
    this.state = 'idle';
    this.openedAt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.deadTimer = null;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  setState(state, detail = {}) {
    this.state = state;
    this.h.onState?.(state, detail);
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.setState('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.scheduleRetry();
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    clearTimeout(this.deadTimer);
    this.deadTimer = setTimeout(() => this.giveUp(ws, 'connect timed out'), CONNECT_WAIT_MS);
    ws.onopen = () => {
      if (this.ws !== ws) return;
      clearTimeout(this.deadTimer);
      this.openedAt = Date.now();
      this.setState('connected');
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.ping(), PING_MS);
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      clearTimeout(this.deadTimer);
      if (typeof ev.data === 'string') {
        let msg;
        try {
          msg = JSON.parse(ev.data);
        } catch {
          return;
        }
        if (msg && typeof msg === 'object') this.h.onMessage?.(msg);
      } else {
        this.h.onBinary?.(ev.data);
      }
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.pingTimer);
      clearTimeout(this.deadTimer);
      if (this.openedAt) this.backoff.connectedFor(Date.now() - this.openedAt);
      this.openedAt = 0;
      this.h.onClose?.({ code: ev.code, reason: ev.reason });
      if (!this.stopped) this.scheduleRetry();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  // Keepalive. A connection that stays silent after a ping is given up at once (a dead mobile
  // link can take minutes to report a close) and a new one is tried.
  ping() {
    if (!this.send({ type: 'ping' })) return;
    clearTimeout(this.deadTimer);
    const ws = this.ws;
    this.deadTimer = setTimeout(() => this.giveUp(ws, 'no answer to ping'), PONG_WAIT_MS);
  }

  // Abandons `ws` without waiting for the browser to notice it is gone, and schedules a retry.
  giveUp(ws, reason) {
    if (this.ws !== ws) return;
    this.ws = null;
    clearInterval(this.pingTimer);
    clearTimeout(this.deadTimer);
    ws.onclose = null;
    try { ws.close(); } catch { /* already closing */ }
    this.openedAt = 0;
    this.h.onClose?.({ code: 1006, reason });
    if (!this.stopped) this.scheduleRetry();
  }

  scheduleRetry() {
    const delay = this.backoff.next();
    const retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.setState('waiting', { retryAt });
  }

  // Reconnects at once (a new session after login/logout, or the player asked to).
  reconnectNow() {
    this.backoff.reset();
    const old = this.ws;
    this.ws = null;
    clearInterval(this.pingTimer);
    clearTimeout(this.deadTimer);
    if (old) {
      old.onclose = null;
      try { old.close(1000); } catch { /* already closing */ }
      this.h.onClose?.({ code: 1000, reason: 'reconnect' });
    }
    this.connect();
  }

  get open() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  // Sends a JSON message; false when not connected.
  send(obj) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }
}
