// Hand-written inline SVG charts. Each status has one colour everywhere (style.css's fill-<status>).

import { STATUSES } from "./api.js";
import { formatDuration, h, svg } from "./dom.js";

/** @typedef {import("./api.js").NativeStatus} NativeStatus */
/** @typedef {{label: string, counts: Partial<Record<string, number>>}} StackedBucket */

const WIDTH = 720;
const HEIGHT = 220;
const LEFT = 60;
const RIGHT = 12;
const TOP = 10;
const BOTTOM = 28;

/**
 * A round number at least `value`, so the axis reads 0, 50, 100 rather than 0, 47, 94.
 * @param {number} value
 */
function niceCeiling(value) {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * magnitude >= value) ?? 10;
  return step * magnitude;
}

/**
 * Horizontal grid lines with their values on the left axis.
 * @param {number} max
 * @param {(value: number) => string} label
 */
function yAxis(max, label) {
  const group = svg("g", { class: "axis" });
  for (const fraction of [0, 0.5, 1]) {
    const y = TOP + (HEIGHT - TOP - BOTTOM) * (1 - fraction);
    group.append(
      svg("line", { x1: LEFT, x2: WIDTH - RIGHT, y1: y, y2: y, class: "grid" }),
      svg("text", { x: LEFT - 6, y: y + 4, "text-anchor": "end" }, label(max * fraction)),
    );
  }
  return group;
}

/**
 * The statuses as a legend under a chart.
 * @param {readonly string[]} statuses
 */
export function legend(statuses) {
  return h("ul", { class: "legend" }, ...statuses.map((status) => h("li", {}, h("span", { class: `swatch bg-${status}` }), status)));
}

/**
 * Bars stacked by status, one per bucket (runs per hour), oldest on the left.
 * @param {StackedBucket[]} buckets
 * @param {string} title what the chart shows, for screen readers
 * @param {number} labelEvery label every n-th bucket on the time axis
 */
export function stackedBars(buckets, title, labelEvery) {
  const totals = buckets.map((bucket) => STATUSES.reduce((sum, status) => sum + (bucket.counts[status] ?? 0), 0));
  const max = niceCeiling(Math.max(0, ...totals));
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = (WIDTH - LEFT - RIGHT) / Math.max(1, buckets.length);
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart", role: "img", "aria-label": title });
  chart.append(svg("title", {}, title), yAxis(max, (v) => String(Math.round(v))));
  buckets.forEach((bucket, i) => {
    const x = LEFT + i * slot;
    const group = svg("g", { class: "bucket" });
    let y = TOP + plotHeight;
    for (const status of STATUSES) {
      const count = bucket.counts[status] ?? 0;
      if (count === 0) continue;
      const height = (count / max) * plotHeight;
      y -= height;
      group.append(svg("rect", { x: x + slot * 0.1, y, width: Math.max(1, slot * 0.8), height, class: `fill-${status}` }));
    }
    const total = totals[i] ?? 0;
    const breakdown = STATUSES.filter((s) => (bucket.counts[s] ?? 0) > 0).map((s) => `${s} ${bucket.counts[s]}`);
    group.append(svg("title", {}, `${bucket.label}: ${total} runs${breakdown.length ? ` (${breakdown.join(", ")})` : ""}`));
    // A transparent full-height target, so an empty hour has a tooltip too.
    group.append(svg("rect", { x, y: TOP, width: slot, height: plotHeight, class: "hit" }));
    chart.append(group);
    if (i % labelEvery === 0) {
      chart.append(svg("text", { x: x + slot / 2, y: HEIGHT - 8, "text-anchor": "middle", class: "axis-label" }, bucket.label.slice(-5)));
    }
  });
  return chart;
}

/**
 * A duration short enough for an axis: 0, 45 s, 12 min, 1.5 h.
 * @param {number} seconds
 */
function axisDuration(seconds) {
  if (seconds === 0) return "0";
  if (seconds < 60) return `${Number(seconds.toFixed(1))} s`;
  if (seconds < 3600) return `${Number((seconds / 60).toFixed(1))} min`;
  return `${Number((seconds / 3600).toFixed(1))} h`;
}

/**
 * @typedef {{id: string, status: string, seconds: number | null}} RunPoint
 */

/**
 * A job's recent runs, oldest on the left: a bar per run as tall as its duration, coloured by its
 * status, and a line of the success rate over the finished runs so far (right axis, 0-100 %).
 * @param {RunPoint[]} runs
 * @param {string} title
 */
export function runsChart(runs, title) {
  const durations = runs.map((run) => run.seconds ?? 0);
  const max = niceCeiling(Math.max(0, ...durations));
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = (WIDTH - LEFT - RIGHT - 30) / Math.max(1, runs.length);
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart", role: "img", "aria-label": title });
  chart.append(svg("title", {}, title), yAxis(max, axisDuration));
  /** @type {string[]} */
  const line = [];
  let finished = 0;
  let succeeded = 0;
  runs.forEach((run, i) => {
    const x = LEFT + i * slot;
    const seconds = run.seconds ?? 0;
    const height = Math.max(seconds > 0 ? 1 : 0, (seconds / max) * plotHeight);
    const bar = svg("rect", { x: x + slot * 0.15, y: TOP + plotHeight - height, width: Math.max(1, slot * 0.7), height, class: `fill-${run.status}` });
    bar.append(svg("title", {}, `${run.id}: ${run.status}, ${formatDuration(run.seconds)}`));
    chart.append(bar);
    if (run.status === "succeeded" || run.status === "failed" || run.status === "cancelled") {
      finished += 1;
      if (run.status === "succeeded") succeeded += 1;
    }
    if (finished > 0) line.push(`${(x + slot / 2).toFixed(1)},${(TOP + plotHeight * (1 - succeeded / finished)).toFixed(1)}`);
  });
  if (line.length > 0) chart.append(svg("polyline", { points: line.join(" "), class: "rate-line" }));
  const right = WIDTH - RIGHT - 26;
  for (const fraction of [0, 0.5, 1]) {
    chart.append(svg("text", { x: right + 24, y: TOP + plotHeight * (1 - fraction) + 4, "text-anchor": "end", class: "axis rate" }, `${fraction * 100}%`));
  }
  return chart;
}
