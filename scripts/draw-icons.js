// Draws the Teams app icons with pngjs (run once; the PNGs are committed):
//  - appPackage/color.png   192x192: three stacked server slabs with a check badge, on the accent colour;
//    the symbol stays inside the central 96x96 area (48 px padding), as Teams asks.
//  - appPackage/outline.png  32x32: the same symbol in pure white (255,255,255) on full transparency.
// Usage: node scripts/draw-icons.js
const fs = require('fs');
const path = require('path');
const { PNG } = require('pngjs');

function canvas(size, background) {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) png.data.set(background, i * 4);
  return png;
}

/** Paints every pixel whose centre `inside(x, y)` accepts (no anti-aliasing: the outline must be pure white). */
function paint(png, colour, inside) {
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      if (inside(x + 0.5, y + 0.5)) png.data.set(colour, (y * png.width + x) * 4);
    }
  }
}

const roundedRect = (x0, y0, x1, y1, r) => (x, y) => {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const segment = (ax, ay, bx, by, halfWidth) => (x, y) => {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return (x - (ax + t * dx)) ** 2 + (y - (ay + t * dy)) ** 2 <= halfWidth * halfWidth;
};
const union = (...shapes) => (x, y) => shapes.some((s) => s(x, y));
const minus = (a, b) => (x, y) => a(x, y) && !b(x, y);

/** The symbol in a unit box [0,1]², scaled to `size` at `offset`. */
function symbol(offset, size) {
  const s = (v) => offset + v * size;
  const slab = (top) => roundedRect(s(0.02), s(top), s(0.78), s(top + 0.22), size * 0.05);
  const led = (top) => circle(s(0.14), s(top + 0.11), size * 0.035);
  const slabs = [0.04, 0.31, 0.58];
  const badge = circle(s(0.76), s(0.74), size * 0.24);
  const check = union(segment(s(0.64), s(0.74), s(0.72), s(0.83), size * 0.045), segment(s(0.72), s(0.83), s(0.88), s(0.63), size * 0.045));
  return { slabs: slabs.map(slab), leds: slabs.map(led), badge, check };
}

function drawColor() {
  const png = canvas(192, [0x0f, 0x6c, 0xbd, 255]);
  const sym = symbol(48, 96);
  const white = [255, 255, 255, 255];
  // The badge's ring cuts into the slabs so the check reads as separate from the stack.
  const ring = circle(48 + 0.76 * 96, 48 + 0.74 * 96, 96 * 0.29);
  for (const slab of sym.slabs) paint(png, white, minus(slab, ring));
  for (const led of sym.leds) paint(png, [0x0f, 0x6c, 0xbd, 255], led);
  paint(png, [0x13, 0xa1, 0x0e, 255], sym.badge);
  paint(png, white, sym.check);
  return png;
}

function drawOutline() {
  const png = canvas(32, [0, 0, 0, 0]);
  const sym = symbol(1, 30);
  const white = [255, 255, 255, 255];
  const ring = circle(1 + 0.76 * 30, 1 + 0.74 * 30, 30 * 0.3);
  for (const slab of sym.slabs) paint(png, white, minus(slab, ring));
  for (const led of sym.leds) paint(png, [0, 0, 0, 0], led);
  paint(png, white, minus(sym.badge, sym.check));
  return png;
}

const dir = path.join(__dirname, '..', 'appPackage');
fs.writeFileSync(path.join(dir, 'color.png'), PNG.sync.write(drawColor()));
fs.writeFileSync(path.join(dir, 'outline.png'), PNG.sync.write(drawOutline()));
console.log('wrote appPackage/color.png (192x192) and appPackage/outline.png (32x32)');
