// Draws the canvas on screen and turns pointer input into pans, zooms, hovers and taps.
// The canvas image lives in an offscreen canvas (one canvas pixel = one image pixel); each frame
// it is drawn scaled with smoothing off, so pixels stay crisp, then the reticle on top.

import { parseHexColor, COLORS } from './protocol.js';
import { blockColor } from './overview.js';
import { DOT_FALLBACK, DOT_MIN_ZOOM } from './template.js';
import { heatColor } from './timeline.js';

const TAP_SLOP = 6; // CSS px a pointer may move and still count as a tap
const LONG_PRESS_MS = 500; // a touch held this long without moving is a long press

export class Board {
  // el: the on-screen <canvas>; state: CanvasState; view: View;
  // handlers: { onTap(x, y, sx, sy), onLongPress(x, y), onHover(p|null), onViewChange() }
  constructor(el, state, view, handlers) {
    this.el = el;
    this.ctx = el.getContext('2d', { alpha: false });
    this.state = state;
    this.view = view;
    this.h = handlers;
    this.off = document.createElement('canvas');
    this.offCtx = this.off.getContext('2d');
    this.image = null;
    this.words = null;        // Uint32Array over image data
    this.colors = new Uint32Array(COLORS);
    this.rgb = [];            // [r, g, b] of each palette colour
    this.idx = null;          // Uint8Array: the palette index each image pixel shows
    // zoomed out below one screen pixel a canvas pixel: an image of k x k blocks (overview.js)
    this.ov = null;           // { k, w, h, canvas, ctx, image, words, all, x0, y0, x1, y1 }
    this.dirtyAll = true;
    this.dirty = new Set();
    this.frameQueued = false;
    this.reticle = null;      // { x, y }
    this.reticleColor = '#000';
    this.hover = null;
    this.heat = null;         // the heatmap overlay: { canvas, block, cols, rows } or null
    this.pointers = new Map();
    this.gesture = null;
    this.tmpl = null;         // the template shown: { t (template.js), style, image (a canvas) }
    this.setPalette(null);
    this.bindInput();
    new ResizeObserver(() => this.resize()).observe(el);
    this.resize();
  }

  setPalette(hexes) {
    const little = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
    for (let i = 0; i < COLORS; i++) {
      const rgb = (hexes && parseHexColor(hexes[i])) || [255, 255, 255];
      this.rgb[i] = rgb;
      this.colors[i] = little
        ? ((255 << 24) | (rgb[2] << 16) | (rgb[1] << 8) | rgb[0]) >>> 0
        : ((rgb[0] << 24) | (rgb[1] << 16) | (rgb[2] << 8) | 255) >>> 0;
    }
    this.dirtyAll = true;
    if (this.tmpl) this.tmpl.image = null;
    this.requestFrame();
  }

  // Shows template t (template.js) in style { opacity, dots } (null: none).
  setTemplate(t, style) {
    const same = this.tmpl && this.tmpl.t === t;
    this.tmpl = t ? { t, style, image: same ? this.tmpl.image : null } : null;
    this.requestFrame();
  }

  // The template as an image: its colours, don't-care pixels transparent.
  templateImage() {
    const m = this.tmpl;
    if (m.image) return m.image;
    const { t } = m;
    const c = document.createElement('canvas');
    c.width = t.w;
    c.height = t.h;
    const ctx = c.getContext('2d');
    const img = ctx.createImageData(t.w, t.h);
    const words = new Uint32Array(img.data.buffer);
    for (let i = 0; i < t.px.length; i++) words[i] = t.px[i] < COLORS ? this.colors[t.px[i]] : 0;
    ctx.putImageData(img, 0, 0);
    m.image = c;
    return c;
  }

  // Drawn in canvas coordinates (the transform is set): the picture at the style's opacity, or
  // from DOT_MIN_ZOOM a dot a third of a pixel wide in the middle of each template pixel.
  drawTemplate(ctx) {
    const { t, style } = this.tmpl;
    const v = this.view;
    if (style.dots && v.z >= DOT_MIN_ZOOM) {
      const a = v.screenToCanvas(0, 0);
      const b = v.screenToCanvas(v.vw, v.vh);
      const x0 = Math.max(t.x, Math.floor(a.x));
      const y0 = Math.max(t.y, Math.floor(a.y));
      const x1 = Math.min(t.x + t.w, Math.ceil(b.x));
      const y1 = Math.min(t.y + t.h, Math.ceil(b.y));
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const c = t.colorAt(x, y);
          if (c < 0) continue;
          const [r, g, bl] = this.rgb[c];
          ctx.fillStyle = `rgb(${r},${g},${bl})`;
          ctx.fillRect(x + 1 / 3, y + 1 / 3, 1 / 3, 1 / 3);
        }
      }
      return;
    }
    ctx.globalAlpha = style.dots ? DOT_FALLBACK : style.opacity;
    ctx.drawImage(this.templateImage(), t.x, t.y);
    ctx.globalAlpha = 1;
  }

  // Draws from another state with CanvasState's interface (time mode's canvas), or back.
  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.dirtyAll = true;
    this.requestFrame();
  }

  // The heatmap overlay (decodeHeatmap's object), or null for none. Over a dimmed canvas, each
  // block where pixels were placed is coloured from yellow (few) to red (the most).
  setHeat(hm) {
    if (!hm) {
      this.heat = null;
      this.requestFrame();
      return;
    }
    const canvas = document.createElement('canvas');
    canvas.width = hm.cols;
    canvas.height = hm.rows;
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(hm.cols, hm.rows);
    for (let i = 0; i < hm.cells.length; i++) image.data.set(heatColor(hm.cells[i], hm.max), 4 * i);
    ctx.putImageData(image, 0, 0);
    this.heat = { canvas, block: hm.block, cols: hm.cols, rows: hm.rows };
    this.requestFrame();
  }

  // Called by CanvasState: pixel i (or -1: all) may show a new colour.
  pixelChanged(i) {
    if (i < 0) this.dirtyAll = true;
    else this.dirty.add(i);
    this.requestFrame();
  }

  resize() {
    const r = this.el.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.el.width = Math.max(1, Math.round(r.width * dpr));
    this.el.height = Math.max(1, Math.round(r.height * dpr));
    this.view.setViewport(r.width, r.height);
    this.requestFrame();
  }

  requestFrame() {
    if (this.frameQueued) return;
    this.frameQueued = true;
    requestAnimationFrame(() => {
      this.frameQueued = false;
      this.draw();
    });
  }

  syncImage() {
    const s = this.state;
    if (!s.ready && !s.shown) return;
    const w = s.width;
    const h = s.height;
    if (!this.image || this.image.width !== w || this.image.height !== h) {
      this.off.width = w;
      this.off.height = h;
      this.image = this.offCtx.createImageData(w, h);
      this.words = new Uint32Array(this.image.data.buffer);
      this.idx = new Uint8Array(w * h);
      this.dirtyAll = true;
    }
    if (this.dirtyAll) {
      const shown = s.shown;
      this.idx.set(shown);
      for (const p of s.pending.values()) this.idx[p.index] = p.color;
      for (let i = 0; i < shown.length; i++) this.words[i] = this.colors[this.idx[i]];
      if (this.ov) this.ov.all = true;
      this.offCtx.putImageData(this.image, 0, 0);
      this.dirtyAll = false;
      this.dirty.clear();
      return;
    }
    if (!this.dirty.size) return;
    let x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (const i of this.dirty) {
      const c = s.displayed(i);
      if (c < 0) continue;
      this.words[i] = this.colors[c];
      this.idx[i] = c;
      const x = i % w;
      const y = (i - x) / w;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    this.dirty.clear();
    if (x1 >= 0) {
      this.offCtx.putImageData(this.image, 0, 0, x0, y0, x1 - x0 + 1, y1 - y0 + 1);
      const o = this.ov;
      if (o && !o.all) {
        o.x0 = Math.min(o.x0, x0); o.y0 = Math.min(o.y0, y0);
        o.x1 = Math.max(o.x1, x1 + 1); o.y1 = Math.max(o.y1, y1 + 1);
      }
    }
  }

  // The overview image for blocks of k (a power of two): made anew when k or the canvas size
  // changes, else only the blocks holding changed pixels are recomputed.
  overview(k) {
    const w = this.image.width;
    const h = this.image.height;
    let o = this.ov;
    if (!o || o.k !== k || o.cw !== w || o.ch !== h) {
      const canvas = document.createElement('canvas');
      canvas.width = Math.ceil(w / k);
      canvas.height = Math.ceil(h / k);
      const ctx = canvas.getContext('2d');
      const image = ctx.createImageData(canvas.width, canvas.height);
      o = { k, cw: w, ch: h, w: canvas.width, h: canvas.height, canvas, ctx, image,
        words: new Uint32Array(image.data.buffer), all: true };
      this.ov = o;
    }
    let bx0, by0, bx1, by1;
    if (o.all) {
      [bx0, by0, bx1, by1] = [0, 0, o.w, o.h];
    } else if (o.x1 > o.x0) {
      [bx0, by0, bx1, by1] = [Math.floor(o.x0 / k), Math.floor(o.y0 / k), Math.ceil(o.x1 / k), Math.ceil(o.y1 / k)];
    } else {
      return o;
    }
    for (let by = by0; by < by1; by++) {
      const y0 = by * k;
      const y1 = Math.min(h, y0 + k);
      for (let bx = bx0; bx < bx1; bx++) {
        const x0 = bx * k;
        const c = blockColor(this.idx, w, x0, y0, Math.min(w, x0 + k), y1, this.rgb);
        o.words[by * o.w + bx] = this.colors[c < 0 ? 0 : c];
      }
    }
    o.ctx.putImageData(o.image, 0, 0, bx0, by0, bx1 - bx0, by1 - by0);
    o.all = false;
    o.x0 = o.y0 = Infinity;
    o.x1 = o.y1 = -Infinity;
    return o;
  }

  draw() {
    this.syncImage();
    const ctx = this.ctx;
    const v = this.view;
    const dpr = this.el.width / v.vw;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#1b1e24';
    ctx.fillRect(0, 0, this.el.width, this.el.height);
    if (!this.image) return;
    const ox = (v.vw / 2 - v.cx * v.z) * dpr;
    const oy = (v.vh / 2 - v.cy * v.z) * dpr;
    const k = v.z * dpr;
    ctx.setTransform(k, 0, 0, k, ox, oy);
    // a soft shadow so the canvas reads as a sheet on the table
    ctx.shadowColor = 'rgba(0,0,0,0.55)';
    ctx.shadowBlur = 24 * dpr;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.image.width, this.image.height);
    ctx.shadowColor = 'transparent';
    ctx.shadowBlur = 0;
    ctx.imageSmoothingEnabled = false;
    if (k < 1) {
      // zoomed out: drawn from k x k blocks, so that a 1-pixel line is not skipped over
      let b = 2;
      while (b * k < 1 && b < 1 << 14) b *= 2;
      const o = this.overview(b);
      ctx.drawImage(o.canvas, 0, 0, o.w, o.h, 0, 0, o.w * b, o.h * b);
    } else {
      ctx.drawImage(this.off, 0, 0);
    }
    if (this.heat) {
      const hm = this.heat;
      ctx.save();
      ctx.beginPath();
      ctx.rect(0, 0, this.image.width, this.image.height); // a last block may reach past the edge
      ctx.clip();
      ctx.fillStyle = 'rgba(20, 20, 28, 0.45)';
      ctx.fillRect(0, 0, this.image.width, this.image.height);
      ctx.drawImage(hm.canvas, 0, 0, hm.cols, hm.rows, 0, 0, hm.cols * hm.block, hm.rows * hm.block);
      ctx.restore();
    }
    if (this.tmpl) this.drawTemplate(ctx);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (v.z >= 14) this.drawGrid(dpr);
    if (this.hover && (!this.reticle || this.hover.x !== this.reticle.x || this.hover.y !== this.reticle.y)) {
      this.outline(this.hover, dpr, 'rgba(255,255,255,0.85)', 'rgba(0,0,0,0.45)', 1);
    }
    if (this.reticle) this.drawReticle(dpr);
  }

  drawGrid(dpr) {
    const v = this.view;
    const ctx = this.ctx;
    const a = v.screenToCanvas(0, 0);
    const b = v.screenToCanvas(v.vw, v.vh);
    const x0 = Math.max(0, Math.floor(a.x));
    const y0 = Math.max(0, Math.floor(a.y));
    const x1 = Math.min(this.image.width, Math.ceil(b.x));
    const y1 = Math.min(this.image.height, Math.ceil(b.y));
    ctx.beginPath();
    for (let x = x0; x <= x1; x++) {
      const sx = Math.round(v.canvasToScreen(x, 0).x * dpr) + 0.5;
      ctx.moveTo(sx, v.canvasToScreen(0, y0).y * dpr);
      ctx.lineTo(sx, v.canvasToScreen(0, y1).y * dpr);
    }
    for (let y = y0; y <= y1; y++) {
      const sy = Math.round(v.canvasToScreen(0, y).y * dpr) + 0.5;
      ctx.moveTo(v.canvasToScreen(x0, 0).x * dpr, sy);
      ctx.lineTo(v.canvasToScreen(x1, 0).x * dpr, sy);
    }
    ctx.strokeStyle = 'rgba(0,0,0,0.08)';
    ctx.lineWidth = 1;
    ctx.stroke();
  }

  outline(p, dpr, light, dark, width) {
    const v = this.view;
    const s = v.canvasToScreen(p.x, p.y);
    const size = Math.max(v.z, 3);
    const x = s.x * dpr;
    const y = s.y * dpr;
    const n = size * dpr;
    const ctx = this.ctx;
    ctx.lineWidth = (width + 2) * dpr;
    ctx.strokeStyle = dark;
    ctx.strokeRect(x - dpr, y - dpr, n + 2 * dpr, n + 2 * dpr);
    ctx.lineWidth = width * dpr;
    ctx.strokeStyle = light;
    ctx.strokeRect(x - dpr, y - dpr, n + 2 * dpr, n + 2 * dpr);
  }

  // A square frame with corner ticks around the reticle pixel; the fill previews the colour.
  drawReticle(dpr) {
    const v = this.view;
    const ctx = this.ctx;
    const s = v.canvasToScreen(this.reticle.x, this.reticle.y);
    const size = Math.max(v.z, 4);
    const pad = Math.max(3, size * 0.18);
    const x = s.x * dpr;
    const y = s.y * dpr;
    const n = size * dpr;
    const p = pad * dpr;
    const arm = Math.max(4, size * 0.35) * dpr;
    const corners = (stroke, w) => {
      ctx.lineWidth = w;
      ctx.strokeStyle = stroke;
      ctx.beginPath();
      const L = x - p, T = y - p, R = x + n + p, B = y + n + p;
      ctx.moveTo(L, T + arm); ctx.lineTo(L, T); ctx.lineTo(L + arm, T);
      ctx.moveTo(R - arm, T); ctx.lineTo(R, T); ctx.lineTo(R, T + arm);
      ctx.moveTo(R, B - arm); ctx.lineTo(R, B); ctx.lineTo(R - arm, B);
      ctx.moveTo(L + arm, B); ctx.lineTo(L, B); ctx.lineTo(L, B - arm);
      ctx.stroke();
    };
    corners('rgba(0,0,0,0.75)', 4.5 * dpr);
    corners('#ffffff', 2 * dpr);
    if (v.z >= 6) {
      ctx.lineWidth = 1 * dpr;
      ctx.strokeStyle = 'rgba(0,0,0,0.35)';
      ctx.strokeRect(x + 0.5, y + 0.5, n - 1, n - 1);
    }
  }

  setReticle(p) {
    this.reticle = p;
    this.requestFrame();
  }

  localPoint(ev) {
    const r = this.el.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  }

  bindInput() {
    const el = this.el;
    el.addEventListener('pointerdown', (ev) => {
      if (ev.pointerType === 'mouse' && ev.button !== 0) return;
      el.setPointerCapture(ev.pointerId);
      const p = this.localPoint(ev);
      this.pointers.set(ev.pointerId, p);
      if (this.pointers.size === 1) {
        const g = { kind: 'tap', start: p, last: p };
        this.gesture = g;
        // a finger held still: a long press, which only selects (and never ends as a tap)
        if (ev.pointerType !== 'mouse') g.timer = setTimeout(() => {
          if (this.gesture !== g || g.kind !== 'tap') return;
          g.kind = 'long';
          const q = this.view.pixelAt(g.start.x, g.start.y);
          if (q) this.h.onLongPress?.(q.x, q.y);
        }, LONG_PRESS_MS);
      } else if (this.pointers.size === 2) {
        clearTimeout(this.gesture?.timer);
        const [a, b] = [...this.pointers.values()];
        this.gesture = { kind: 'pinch', dist: Math.hypot(a.x - b.x, a.y - b.y), mid: mid(a, b) };
      }
    });
    el.addEventListener('pointermove', (ev) => {
      const p = this.localPoint(ev);
      if (!this.pointers.has(ev.pointerId)) {
        if (ev.pointerType === 'mouse') this.setHover(this.view.pixelAt(p.x, p.y));
        return;
      }
      this.pointers.set(ev.pointerId, p);
      const g = this.gesture;
      if (!g) return;
      if (g.kind === 'pinch' && this.pointers.size >= 2) {
        const [a, b] = [...this.pointers.values()];
        const dist = Math.max(1, Math.hypot(a.x - b.x, a.y - b.y));
        const m = mid(a, b);
        this.view.panBy(m.x - g.mid.x, m.y - g.mid.y);
        this.view.zoomAt(m.x, m.y, this.view.z * (dist / g.dist));
        g.dist = dist;
        g.mid = m;
        this.changed();
        return;
      }
      if ((g.kind === 'tap' || g.kind === 'long') && Math.hypot(p.x - g.start.x, p.y - g.start.y) > TAP_SLOP) {
        clearTimeout(g.timer);
        g.kind = 'pan';
        el.classList.add('grabbing');
      }
      if (g.kind === 'pan') {
        this.view.panBy(p.x - g.last.x, p.y - g.last.y);
        g.last = p;
        this.changed();
      }
      if (ev.pointerType === 'mouse') this.setHover(this.view.pixelAt(p.x, p.y));
    });
    const end = (ev, cancelled) => {
      if (!this.pointers.has(ev.pointerId)) return;
      this.pointers.delete(ev.pointerId);
      const g = this.gesture;
      clearTimeout(g?.timer);
      if (this.pointers.size === 0) {
        el.classList.remove('grabbing');
        this.gesture = null;
        if (g && g.kind === 'tap' && !cancelled) {
          const p = this.view.pixelAt(g.start.x, g.start.y);
          if (p) this.h.onTap?.(p.x, p.y, g.start.x, g.start.y);
        }
      } else if (this.pointers.size === 1) {
        // lifting one finger of a pinch continues as a pan, never as a tap
        const [q] = [...this.pointers.values()];
        this.gesture = { kind: 'pan', start: q, last: q };
      }
    };
    el.addEventListener('pointerup', (ev) => end(ev, false));
    el.addEventListener('pointercancel', (ev) => end(ev, true));
    el.addEventListener('pointerleave', (ev) => {
      if (ev.pointerType === 'mouse' && !this.pointers.size) this.setHover(null);
    });
    el.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const p = this.localPoint(ev);
      const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
      const factor = Math.exp(-ev.deltaY * unit * (ev.ctrlKey ? 0.01 : 0.0018));
      this.view.zoomAt(p.x, p.y, this.view.z * factor);
      this.setHover(this.view.pixelAt(p.x, p.y));
      this.changed();
    }, { passive: false });
    el.addEventListener('contextmenu', (ev) => ev.preventDefault());
  }

  setHover(p) {
    const h = this.hover;
    if ((h && p && h.x === p.x && h.y === p.y) || (!h && !p)) return;
    this.hover = p;
    this.h.onHover?.(p);
    this.requestFrame();
  }

  changed() {
    this.requestFrame();
    this.h.onViewChange?.();
  }
}

function mid(a, b) {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}
