// Templates (docs/templates.md): a PNG laid over the canvas at (x, y). The rules are those of
// common/src/template.c: alpha below ALPHA_MIN is "don't care", any other colour becomes the
// nearest palette colour, at most MAX_PIXELS pixels, and the template must lie inside the canvas.
// The pure part (Template) is tested in Node (tests/web/logic.test.js); loadTemplateImage needs
// a page (an <img> decodes the PNG, a canvas hands back its pixels).

export const NONE = 255;
export const ALPHA_MIN = 128;
export const MAX_PIXELS = 4 * 1024 * 1024;

// The overlay styles `O` steps through, as place/front.h has them.
export const STYLES = [
  { opacity: 0.5, dots: false, name: 'overlay 50%' },
  { opacity: 0.8, dots: false, name: 'overlay 80%' },
  { opacity: 0.25, dots: false, name: 'overlay 25%' },
  { opacity: 0, dots: true, name: 'dots' },
];
export const DOT_FALLBACK = 0.5; // the dots style's opacity where dots would be too small
export const DOT_MIN_ZOOM = 6;   // CSS px per canvas pixel from which dots are drawn

// The palette index nearest to (r, g, b) in squared RGB distance; rgb: [[r, g, b], ...].
export function nearestColor(r, g, b, rgb) {
  let best = 0;
  let bestD = Infinity;
  for (let i = 0; i < rgb.length; i++) {
    const dr = r - rgb[i][0];
    const dg = g - rgb[i][1];
    const db = b - rgb[i][2];
    const d = dr * dr + dg * dg + db * db;
    if (d < bestD) { bestD = d; best = i; }
  }
  return best;
}

function withCommas(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export class Template {
  // rgba: Uint8ClampedArray/Uint8Array of w*h*4; rgb: the palette as [[r, g, b], ...]. Throws
  // an Error with a sentence for the player when the picture cannot be a template.
  constructor(rgba, w, h, rgb, x = 0, y = 0) {
    if (!(w > 0 && h > 0)) throw new Error(`the template is empty (${w}x${h})`);
    if (w * h > MAX_PIXELS) {
      throw new Error(`the template is ${w}x${h}: more than the ${MAX_PIXELS >> 20} megapixels allowed`);
    }
    this.w = w;
    this.h = h;
    this.x = x;
    this.y = y;
    this.px = new Uint8Array(w * h);
    this.ok = new Uint8Array(w * h);
    this.cared = 0;
    this.match = 0;
    const cache = new Map();
    for (let i = 0; i < w * h; i++) {
      const o = 4 * i;
      if (rgba[o + 3] < ALPHA_MIN) { this.px[i] = NONE; continue; }
      const key = (rgba[o] << 16) | (rgba[o + 1] << 8) | rgba[o + 2];
      let c = cache.get(key);
      if (c === undefined) {
        c = nearestColor(rgba[o], rgba[o + 1], rgba[o + 2], rgb);
        cache.set(key, c);
      }
      this.px[i] = c;
      this.cared++;
    }
    if (!this.cared) throw new Error('the template has no opaque pixel: nothing to paint');
  }

  // Why it cannot lie on a cw x ch canvas at its position, or null.
  check(cw, ch) {
    if (this.w > cw || this.h > ch) {
      return `the template (${this.w}x${this.h}) is larger than the canvas (${cw}x${ch})`;
    }
    if (this.x < 0 || this.y < 0 || this.x + this.w > cw || this.y + this.h > ch) {
      return `the template (${this.w}x${this.h}) at ${this.x},${this.y} reaches past the canvas `
        + `(${cw}x${ch}): place it at 0,0 to ${cw - this.w},${ch - this.h}`;
    }
    return null;
  }

  // The template's colour at canvas pixel (x, y), or -1.
  colorAt(x, y) {
    const dx = x - this.x;
    const dy = y - this.y;
    if (dx < 0 || dy < 0 || dx >= this.w || dy >= this.h) return -1;
    const c = this.px[dy * this.w + dx];
    return c === NONE ? -1 : c;
  }

  // colorOf(i): the colour canvas pixel i shows; cw: the canvas width.
  recount(colorOf, cw) {
    this.match = 0;
    this.ok.fill(0);
    for (let ty = 0; ty < this.h; ty++) {
      for (let tx = 0; tx < this.w; tx++) this.updateAt(colorOf, cw, this.x + tx, this.y + ty);
    }
  }

  // Canvas pixel (x, y) may show a new colour.
  updateAt(colorOf, cw, x, y) {
    const dx = x - this.x;
    const dy = y - this.y;
    if (dx < 0 || dy < 0 || dx >= this.w || dy >= this.h) return;
    const i = dy * this.w + dx;
    if (this.px[i] === NONE) return;
    const now = colorOf(y * cw + x) === this.px[i] ? 1 : 0;
    if (now !== this.ok[i]) {
      this.ok[i] = now;
      this.match += now ? 1 : -1;
    }
  }

  // The nearest differing pixel to (cx, cy) (ties: the first in reading order), or null.
  nextWrong(cx, cy) {
    if (this.match >= this.cared) return null;
    let best = -1;
    let bx = 0;
    let by = 0;
    for (let ty = 0; ty < this.h; ty++) {
      const py = this.y + ty;
      const dy = py - cy;
      if (best >= 0 && py > cy && dy * dy > best) break;
      const row = ty * this.w;
      for (let tx = 0; tx < this.w; tx++) {
        if (this.px[row + tx] === NONE || this.ok[row + tx]) continue;
        const dx = this.x + tx - cx;
        const d = dx * dx + dy * dy;
        if (best < 0 || d < best) { best = d; bx = this.x + tx; by = py; }
      }
    }
    return best < 0 ? null : { x: bx, y: by };
  }

  progress() {
    return `${withCommas(this.match)} of ${withCommas(this.cared)} pixels match`;
  }
}

// Loads the PNG at url into RGBA pixels: resolves { rgba, w, h }, or rejects with a sentence.
// An image from another origin can be read only if its host allows it (CORS).
export function loadTemplateImage(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.crossOrigin = 'anonymous';
    img.decoding = 'async';
    img.onload = () => {
      const w = img.naturalWidth;
      const h = img.naturalHeight;
      if (!(w > 0 && h > 0)) { reject(new Error(`${url} is empty`)); return; }
      if (w * h > MAX_PIXELS) {
        reject(new Error(`the template is ${w}x${h}: more than the ${MAX_PIXELS >> 20} megapixels allowed`));
        return;
      }
      const c = document.createElement('canvas');
      c.width = w;
      c.height = h;
      const ctx = c.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(img, 0, 0);
      try {
        resolve({ rgba: ctx.getImageData(0, 0, w, h).data, w, h });
      } catch {
        reject(new Error(`the template host does not allow reading its pixels (CORS): ${url}`));
      }
    };
    img.onerror = () => reject(new Error(
      `cannot load ${url}: not an image, not found, or its host does not allow this page (CORS)`));
    img.src = url;
  });
}
