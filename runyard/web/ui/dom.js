// Small helpers for building the pages: elements, SVG, and the pieces every page shows the same way
// (a status badge, a progress bar, times and durations).

/** @typedef {import("./api.js").NativeStatus} NativeStatus */

/** @typedef {string | number | boolean | null | undefined | ((event: Event) => void)} AttributeValue */
/** @typedef {Node | string | number | null | undefined | false} Child */

/**
 * @param {Element} element
 * @param {Record<string, AttributeValue>} attributes
 */
function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
}

/**
 * @param {Element} element
 * @param {Child[]} children
 */
function appendAll(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "number" ? String(child) : child);
  }
}

/**
 * An HTML element: `h("a", {href: "/ui/runs", onclick: go}, "Runs")`.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttributeValue>} [attributes]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  appendAll(element, children);
  return element;
}

/**
 * An SVG element.
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttributeValue>} [attributes]
 * @param {...Child} children
 * @returns {SVGElementTagNameMap[K]}
 */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setAttributes(element, attributes);
  appendAll(element, children);
  return element;
}

/**
 * A status as a coloured badge (the colours are style.css's, the same in every table and chart).
 * @param {string} status
 */
export function statusBadge(status) {
  return h("span", { class: `status st-${status}` }, status);
}

/**
 * A progress bar with its percentage (and the step, when given) for screen readers too.
 * @param {number} percentage
 * @param {string} status
 * @param {string | null} [step]
 */
export function progressBar(percentage, status, step) {
  const value = Math.max(0, Math.min(100, Math.round(percentage)));
  const fill = h("span", { class: `fill bg-${status}` });
  fill.style.width = `${value}%`;
  return h(
    "span",
    {
      class: "bar",
      role: "progressbar",
      "aria-valuemin": 0,
      "aria-valuemax": 100,
      "aria-valuenow": value,
      "aria-valuetext": step ? `${value}%: ${step}` : `${value}%`,
      title: step ? `${value}% ${step}` : `${value}%`,
    },
    fill,
  );
}

/**
 * A time as `YYYY-MM-DD HH:MM:SS` in UTC (the API's times are UTC; the page says so).
 * @param {string | null | undefined} iso
 */
export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 19).replace("T", " ");
}

/**
 * A time element showing formatTime, with the full ISO text as its datetime.
 * @param {string | null | undefined} iso
 */
export function timeElement(iso) {
  if (!iso) return h("span", { class: "muted" }, "—");
  return h("time", { datetime: iso, title: iso }, formatTime(iso));
}

/**
 * Seconds as people read them: 850 ms, 2.5 s, 3 min 12 s, 1 h 2 min.
 * @param {number | null | undefined} seconds
 */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) {
    const rest = whole % 60;
    return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  }
  return minutes % 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes / 60} h`;
}

/**
 * Seconds since an ISO time (for a run still executing, whose duration is not known yet).
 * @param {string} iso
 */
export function secondsSince(iso) {
  return Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
}

/** @param {number} n */
export const formatCount = (n) => n.toLocaleString("en-US");

/**
 * JSON shown in a <pre>, or a dash for null.
 * @param {unknown} value
 */
export function jsonBlock(value) {
  if (value === null || value === undefined) return h("p", { class: "muted" }, "—");
  return h("pre", { class: "json", tabindex: 0 }, JSON.stringify(value, null, 2));
}

/**
 * A <dl> of label/value pairs; pairs whose value is null, undefined or "" are left out.
 * @param {[string, Child][]} pairs
 */
export function facts(pairs) {
  const list = h("dl", { class: "facts" });
  for (const [label, value] of pairs) {
    if (value === null || value === undefined || value === "" || value === false) continue;
    list.append(h("dt", {}, label), h("dd", {}, value));
  }
  return list;
}

/**
 * A link inside the dashboard (the router turns its clicks into history navigation).
 * @param {string} href
 * @param {...Child} children
 */
export const link = (href, ...children) => h("a", { href }, ...children);
