// Tiny inline-SVG charts. Each draws at the container's real pixel width (re-drawn on resize),
// so text stays legible from 390 px phones to wide screens.
import { html, raw, esc } from './ui.js';

const FONT = 12;

/** Draw `draw(width)` into `host` now and whenever its width changes. Returns a disconnect(). */
export function responsive(host, draw) {
  let last = 0;
  const paint = () => {
    const width = Math.max(240, Math.floor(host.clientWidth || 600));
    if (width === last) return;
    last = width;
    host.innerHTML = String(draw(width));
  };
  paint();
  if (typeof ResizeObserver === 'undefined') return () => {};
  let frame = 0;
  const observer = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(paint);
  });
  observer.observe(host);
  return () => observer.disconnect();
}

function fit(text, maxChars) {
  const s = String(text ?? '');
  return s.length > maxChars ? `${s.slice(0, Math.max(1, maxChars - 1))}…` : s;
}

// CJK glyphs are about twice as wide as Latin ones at the same size.
const charWidth = (text) => (/[\u3000-\u9fff]/.test(text) ? FONT : FONT * 0.6);

function niceMax(value) {
  if (value <= 5) return Math.max(1, Math.ceil(value));
  const power = 10 ** Math.floor(Math.log10(value));
  const steps = [1, 2, 2.5, 5, 10];
  for (const step of steps) if (step * power >= value) return step * power;
  return 10 * power;
}

function svgOpen(width, height, label) {
  return raw(`<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}" xmlns="http://www.w3.org/2000/svg">`);
}

/**
 * Horizontal bars: rows [{label, value, title?, cls?, href?}]. Horizontal so long department
 * names fit on narrow screens.
 */
export function barChart(rows, { width, label, valueFormat = (v) => String(v) }) {
  const rowH = 28;
  const top = 6;
  const labelW = Math.min(220, Math.round(width * 0.38));
  const valueW = 44;
  const plotW = Math.max(40, width - labelW - valueW - 12);
  const height = top * 2 + rows.length * rowH;
  const max = niceMax(Math.max(1, ...rows.map((r) => r.value)));
  const bars = rows.map((r, i) => {
    const y = top + i * rowH;
    const w = Math.max(r.value > 0 ? 2 : 0, Math.round((r.value / max) * plotW));
    const name = fit(r.label, Math.floor((labelW - 8) / charWidth(r.label)));
    const text = html`<text class="chart-label" x="${labelW - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${name}</text>`;
    return html`<g class="chart-row"><title>${r.title || `${r.label}: ${valueFormat(r.value)}`}</title>
      ${r.href ? html`<a href="${r.href}">${text}</a>` : text}
      <rect class="chart-track" x="${labelW}" y="${y + 6}" width="${plotW}" height="${rowH - 12}" rx="3"></rect>
      <rect class="chart-bar ${r.cls || ''}" x="${labelW}" y="${y + 6}" width="${w}" height="${rowH - 12}" rx="3"></rect>
      <text class="chart-value" x="${labelW + w + 6}" y="${y + rowH / 2 + 4}">${valueFormat(r.value)}</text></g>`;
  });
  return html`${svgOpen(width, height, label)}${bars}${raw('</svg>')}`;
}

/** Donut with a legend: slices [{label, value, cls}]. */
export function donutChart(slices, { width, label, centerLabel = '' }) {
  const total = slices.reduce((sum, s) => sum + s.value, 0);
  const size = Math.min(200, width);
  const r = size / 2 - 18;
  const c = 2 * Math.PI * r;
  let offset = 0;
  const arcs = total
    ? slices.filter((s) => s.value > 0).map((s) => {
      const len = (s.value / total) * c;
      const arc = html`<circle class="donut-slice ${s.cls || ''}" cx="${size / 2}" cy="${size / 2}" r="${r}"
        stroke-dasharray="${len.toFixed(2)} ${(c - len).toFixed(2)}" stroke-dashoffset="${(-offset).toFixed(2)}"
        transform="rotate(-90 ${size / 2} ${size / 2})"><title>${s.label}: ${s.value} (${Math.round((s.value / total) * 100)}%)</title></circle>`;
      offset += len;
      return arc;
    })
    : html`<circle class="donut-empty" cx="${size / 2}" cy="${size / 2}" r="${r}"></circle>`;
  const svg = html`${svgOpen(size, size, label)}
    <circle class="donut-track" cx="${size / 2}" cy="${size / 2}" r="${r}"></circle>${arcs}
    <text class="donut-total" x="${size / 2}" y="${size / 2 + 2}" text-anchor="middle">${total}</text>
    <text class="donut-caption" x="${size / 2}" y="${size / 2 + 20}" text-anchor="middle">${centerLabel}</text>${raw('</svg>')}`;
  const legend = html`<ul class="legend">${slices.map((s) => html`<li><span class="swatch ${s.cls || ''}" aria-hidden="true"></span>${s.label}
    <strong>${s.value}</strong>${total ? html` <span class="muted">(${Math.round((s.value / total) * 100)}%)</span>` : ''}</li>`)}</ul>`;
  return html`<div class="donut-wrap">${svg}${legend}</div>`;
}

/**
 * Daily counts → line chart. points: [{date: 'YYYY-MM-DD', value, title?}] sorted, gaps already
 * filled (any ISO date-time works too, with a matching formatDate); `title` replaces a dot's tooltip.
 */
export function lineChart(points, { width, label, formatDate = (d) => d.slice(5) }) {
  const height = 200;
  const left = 34;
  const right = 12;
  const top = 12;
  const bottom = 28;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(1, ...points.map((p) => p.value)));
  const n = points.length;
  const x = (i) => left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v) => top + plotH - (v / max) * plotH;
  const ticks = [0, max / 2, max].map((v) => html`<g><line class="chart-grid" x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}"></line>
    <text class="chart-axis" x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${Number.isInteger(v) ? v : v.toFixed(1)}</text></g>`);
  // At most ~one date label per 70 px.
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / 70))));
  // The last date is always labelled (right-aligned); a regular label too close to it is dropped.
  const xLabels = points.map((p, i) => {
    const last = i === n - 1;
    if (!last && (i % every !== 0 || (n > 1 && x(n - 1) - x(i) < 60))) return '';
    const anchor = last && n > 1 ? 'end' : i === 0 && n > 1 ? 'start' : 'middle';
    return html`<text class="chart-axis" x="${last && n > 1 ? x(i) + 4 : x(i)}" y="${height - 8}" text-anchor="${anchor}">${formatDate(p.date)}</text>`;
  });
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const area = n ? `${path} L${x(n - 1).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z` : '';
  const dots = points.map((p, i) => (p.value > 0 || n < 40
    ? html`<circle class="chart-dot" cx="${x(i)}" cy="${y(p.value)}" r="3"><title>${p.title || `${p.date}: ${p.value}`}</title></circle>` : ''));
  return html`${svgOpen(width, height, label)}${ticks}
    <path class="chart-area" d="${area}"></path><path class="chart-line" d="${path}"></path>${dots}${xLabels}${raw('</svg>')}`;
}

/** Consecutive days from first to last date (inclusive), each with its count (0 when none). */
export function dailySeries(dates, { minDays = 14 } = {}) {
  const counts = new Map();
  for (const d of dates) counts.set(d, (counts.get(d) || 0) + 1);
  const today = new Date().toISOString().slice(0, 10);
  const sorted = [...counts.keys()].sort();
  const last = sorted.length && sorted[sorted.length - 1] > today ? sorted[sorted.length - 1] : today;
  let first = sorted[0] || last;
  const lastMs = Date.parse(`${last}T00:00:00Z`);
  const minFirst = new Date(lastMs - (minDays - 1) * 86400000).toISOString().slice(0, 10);
  if (first > minFirst) first = minFirst;
  // The last half year only: older days would squeeze the line into noise.
  const maxFirst = new Date(lastMs - 182 * 86400000).toISOString().slice(0, 10);
  if (first < maxFirst) first = maxFirst;
  const out = [];
  for (let ms = Date.parse(`${first}T00:00:00Z`); ms <= lastMs; ms += 86400000) {
    const d = new Date(ms).toISOString().slice(0, 10);
    out.push({ date: d, value: counts.get(d) || 0 });
  }
  return out;
}
