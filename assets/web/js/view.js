// Where the camera is: the canvas point at the centre of the screen and the zoom (screen CSS
// pixels per canvas pixel), the conversions between screen and canvas coordinates, and the URL
// hash "#x=..&y=..&z=..". Pure: the page supplies the viewport size.

export const MAX_ZOOM = 64;

export class View {
  constructor() {
    this.cx = 0;      // canvas coordinates at the centre of the viewport
    this.cy = 0;
    this.z = 4;       // CSS pixels per canvas pixel
    this.vw = 1;      // viewport size in CSS pixels
    this.vh = 1;
    this.cw = 1;      // canvas size in canvas pixels
    this.ch = 1;
  }

  setViewport(w, h) {
    this.vw = Math.max(1, w);
    this.vh = Math.max(1, h);
    this.clamp();
  }

  setCanvasSize(w, h) {
    this.cw = Math.max(1, w);
    this.ch = Math.max(1, h);
    this.clamp();
  }

  // Screen space hidden by the page's bars (CSS px), which fit() keeps the canvas out of.
  setInsets(top, bottom) {
    this.insetTop = Math.max(0, top);
    this.insetBottom = Math.max(0, bottom);
  }

  // The zoom at which the whole canvas fits the free part of the viewport with a small margin.
  fitZoom() {
    const free = Math.max(this.vh * 0.4, this.vh - (this.insetTop || 0) - (this.insetBottom || 0));
    return Math.min(this.vw / this.cw, free / this.ch) * 0.94;
  }

  minZoom() {
    return Math.min(1, this.fitZoom() * 0.5);
  }

  fit() {
    this.z = this.fitZoom();
    this.cx = this.cw / 2;
    // centre the canvas in the free band between the bars
    this.cy = this.ch / 2 - ((this.insetTop || 0) - (this.insetBottom || 0)) / (2 * this.z);
    this.clamp();
  }

  clamp() {
    this.z = Math.min(MAX_ZOOM, Math.max(this.minZoom(), this.z));
    this.cx = Math.min(this.cw, Math.max(0, this.cx));
    this.cy = Math.min(this.ch, Math.max(0, this.cy));
  }

  screenToCanvas(sx, sy) {
    return { x: this.cx + (sx - this.vw / 2) / this.z, y: this.cy + (sy - this.vh / 2) / this.z };
  }

  canvasToScreen(px, py) {
    return { x: (px - this.cx) * this.z + this.vw / 2, y: (py - this.cy) * this.z + this.vh / 2 };
  }

  // The canvas pixel under a screen point, or null outside the canvas.
  pixelAt(sx, sy) {
    const p = this.screenToCanvas(sx, sy);
    const x = Math.floor(p.x);
    const y = Math.floor(p.y);
    if (x < 0 || y < 0 || x >= this.cw || y >= this.ch) return null;
    return { x, y };
  }

  // Zooms to `z` keeping the canvas point under screen point (sx, sy) where it is.
  zoomAt(sx, sy, z) {
    const before = this.screenToCanvas(sx, sy);
    this.z = Math.min(MAX_ZOOM, Math.max(this.minZoom(), z));
    this.cx = before.x - (sx - this.vw / 2) / this.z;
    this.cy = before.y - (sy - this.vh / 2) / this.z;
    this.clamp();
  }

  // Moves the view by a screen-space drag of (dx, dy) CSS pixels.
  panBy(dx, dy) {
    this.cx -= dx / this.z;
    this.cy -= dy / this.z;
    this.clamp();
  }

  centerOn(x, y) {
    this.cx = x + 0.5;
    this.cy = y + 0.5;
    this.clamp();
  }

  // Pans just enough that pixel (x, y) sits inside the middle of the viewport (keyboard moves).
  keepVisible(x, y, margin = 0.15) {
    const s = this.canvasToScreen(x + 0.5, y + 0.5);
    const mx = this.vw * margin;
    const my = this.vh * margin;
    if (s.x < mx) this.cx -= (mx - s.x) / this.z;
    else if (s.x > this.vw - mx) this.cx += (s.x - (this.vw - mx)) / this.z;
    if (s.y < my) this.cy -= (my - s.y) / this.z;
    else if (s.y > this.vh - my) this.cy += (s.y - (this.vh - my)) / this.z;
    this.clamp();
  }

  toHash() {
    const z = Math.round(this.z * 100) / 100;
    return `#x=${Math.floor(this.cx)}&y=${Math.floor(this.cy)}&z=${z}`;
  }
}

// Reads "#x=10&y=20&z=4" into { x, y, z }; each is a finite number or absent. Never throws.
export function parseHash(hash) {
  const out = {};
  const s = String(hash || '').replace(/^#/, '');
  for (const part of s.split('&')) {
    const [k, v] = part.split('=');
    if (!['x', 'y', 'z'].includes(k) || v === undefined || v === '') continue;
    const n = Number(v);
    if (Number.isFinite(n)) out[k] = n;
  }
  return out;
}
