// The minimap: the whole canvas small in a corner, the part the screen shows marked on it; a
// click (or tap, or drag) on it moves the view there. Drawn from the board's full-size image
// (scaled down by the browser), at most every REDRAW_MS, and the viewport frame on each change.

const SIZE = 168;       // CSS px of the longer side
const REDRAW_MS = 250;  // the canvas image in it is redrawn at most this often

export class Minimap {
  // el: a <canvas>; board: Board (its offscreen image `off`); view: View;
  // onJump(x, y): the player asked for canvas pixel (x, y) to be in the middle of the screen.
  constructor(el, board, view, onJump) {
    this.el = el;
    this.ctx = el.getContext('2d');
    this.board = board;
    this.view = view;
    this.onJump = onJump;
    this.shown = false;
    this.last = 0;
    this.timer = null;
    this.dragging = false;
    el.addEventListener('pointerdown', (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
      this.dragging = true;
      el.setPointerCapture(ev.pointerId);
      this.jump(ev);
    });
    el.addEventListener('pointermove', (ev) => { if (this.dragging) this.jump(ev); });
    const stop = () => { this.dragging = false; };
    el.addEventListener('pointerup', stop);
    el.addEventListener('pointercancel', stop);
  }

  show(on) {
    this.shown = on;
    this.el.hidden = !on;
    if (on) this.update(true);
  }

  // The canvas pixel under a pointer event on the minimap.
  pixelOf(ev) {
    const r = this.el.getBoundingClientRect();
    const v = this.view;
    const x = Math.floor(((ev.clientX - r.left) / r.width) * v.cw);
    const y = Math.floor(((ev.clientY - r.top) / r.height) * v.ch);
    return { x: Math.max(0, Math.min(v.cw - 1, x)), y: Math.max(0, Math.min(v.ch - 1, y)) };
  }

  jump(ev) {
    const p = this.pixelOf(ev);
    this.onJump(p.x, p.y);
  }

  // Redraws (the image at most every REDRAW_MS unless `now`); call when the view or the canvas changed.
  update(now = false) {
    if (!this.shown) return;
    const wait = this.last + REDRAW_MS - Date.now();
    if (!now && wait > 0) {
      if (!this.timer) this.timer = setTimeout(() => { this.timer = null; this.update(true); }, wait);
      return;
    }
    this.last = Date.now();
    this.draw();
  }

  draw() {
    const v = this.view;
    const scale = SIZE / Math.max(v.cw, v.ch);
    const w = Math.max(8, Math.round(v.cw * scale));
    const h = Math.max(8, Math.round(v.ch * scale));
    const dpr = window.devicePixelRatio || 1;
    if (this.el.width !== Math.round(w * dpr) || this.el.height !== Math.round(h * dpr)) {
      this.el.width = Math.round(w * dpr);
      this.el.height = Math.round(h * dpr);
      this.el.style.width = `${w}px`;
      this.el.style.height = `${h}px`;
    }
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.el.width, this.el.height);
    const img = this.board.off;
    if (this.board.image) {
      // scaled down with smoothing: each minimap pixel is the average of the block it covers
      ctx.imageSmoothingEnabled = v.cw > this.el.width;
      ctx.drawImage(img, 0, 0, img.width, img.height, 0, 0, this.el.width, this.el.height);
    }
    // the viewport, clipped to the canvas
    const k = this.el.width / v.cw;
    const a = v.screenToCanvas(0, 0);
    const b = v.screenToCanvas(v.vw, v.vh);
    const x0 = Math.max(0, a.x) * k, y0 = Math.max(0, a.y) * k;
    const x1 = Math.min(v.cw, b.x) * k, y1 = Math.min(v.ch, b.y) * k;
    if (x1 > x0 && y1 > y0) {
      ctx.lineWidth = 2 * dpr;
      ctx.strokeStyle = 'rgba(0,0,0,0.6)';
      ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
      ctx.lineWidth = 1 * dpr;
      ctx.strokeStyle = '#ff4500';
      ctx.strokeRect(x0 + dpr / 2, y0 + dpr / 2, Math.max(1, x1 - x0 - dpr), Math.max(1, y1 - y0 - dpr));
    }
  }
}
