/**
 * A static SVG line chart for Markdown documents (the model card), where no script runs: series of
 * (x, y) points on a linear or logarithmic x axis, with ticks, axis titles, a legend and a value
 * label at each point. Output is byte-for-byte reproducible (fixed decimals, no dates or ids).
 */
import { si } from '../util/si.js';

export interface SvgSeries {
  readonly label: string;
  readonly colour: string;
  readonly points: readonly { readonly x: number; readonly y: number; readonly label?: string }[];
}

export interface SvgChart {
  readonly title: string;
  readonly xTitle: string;
  readonly yTitle: string;
  readonly xUnit: string;
  readonly logX: boolean;
  readonly series: readonly SvgSeries[];
}

const W = 720;
const H = 420;
const PAD = { left: 70, right: 30, top: 50, bottom: 60 };
const f = (v: number): string => v.toFixed(1);
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function niceTicks(lo: number, hi: number, n: number): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function svgLineChart(c: SvgChart): string {
  const xs = c.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = c.series.flatMap((s) => s.points.map((p) => p.y));
  const tx = (v: number): number => (c.logX ? Math.log10(v) : v);
  let [x0, x1] = [Math.min(...xs.map(tx)), Math.max(...xs.map(tx))];
  const xm = (x1 - x0 || 1) * 0.08;
  [x0, x1] = [x0 - xm, x1 + xm];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const ym = (y1 - y0 || 1) * 0.12;
  [y0, y1] = [y0 - ym, y1 + ym];
  const px = (v: number): number => PAD.left + ((tx(v) - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (v: number): number => H - PAD.bottom - ((v - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const xTicks = c.logX ? niceTicks(Math.floor(x0), Math.ceil(x1), Math.ceil(x1) - Math.floor(x0)).filter((e) => Number.isInteger(e) && e >= x0 && e <= x1).map((e) => 10 ** e) : niceTicks(x0, x1, 6);
  const yTicks = niceTicks(y0, y1, 6).filter((v) => v >= y0 && v <= y1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(c.title)}</text>`,
    `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#444"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#444"/>`,
    ...xTicks.map((v) => `<line x1="${f(px(v))}" y1="${H - PAD.bottom}" x2="${f(px(v))}" y2="${H - PAD.bottom + 5}" stroke="#444"/><text x="${f(px(v))}" y="${H - PAD.bottom + 19}" text-anchor="middle">${esc(si(v, c.xUnit))}</text>`),
    ...yTicks.map((v) => `<line x1="${PAD.left - 5}" y1="${f(py(v))}" x2="${W - PAD.right}" y2="${f(py(v))}" stroke="#e4e4e4"/><text x="${PAD.left - 8}" y="${f(py(v) + 4)}" text-anchor="end">${v.toFixed(2)}</text>`),
    `<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 14}" text-anchor="middle">${esc(c.xTitle)}</text>`,
    `<text x="18" y="${(PAD.top + H - PAD.bottom) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(PAD.top + H - PAD.bottom) / 2})">${esc(c.yTitle)}</text>`,
  ];
  c.series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    parts.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${pts.map((p) => `${f(px(p.x))},${f(py(p.y))}`).join(' ')}"/>`);
    for (const p of pts) {
      parts.push(`<circle cx="${f(px(p.x))}" cy="${f(py(p.y))}" r="4" fill="${s.colour}"/>`);
      if (p.label) parts.push(`<text x="${f(px(p.x) + 6)}" y="${f(py(p.y) - 7)}" fill="${s.colour}">${esc(p.label)}</text>`);
    }
    const ly = PAD.top + 4 + 18 * i;
    parts.push(`<line x1="${W - PAD.right - 170}" y1="${ly}" x2="${W - PAD.right - 145}" y2="${ly}" stroke="${s.colour}" stroke-width="2"/><text x="${W - PAD.right - 140}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}
