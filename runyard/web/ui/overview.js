// /ui/overview: counts by status, the queue, runs per hour by status over the last 24 hours or 7 days,
// and the slowest and most failing jobs, from GET /api/v1/overview. Read again every 10 seconds.

import { STATUSES, overview } from "./api.js";
import { legend, stackedBars } from "./charts.js";
import { formatCount, formatDuration, h } from "./dom.js";

/** @typedef {import("./api.js").Overview} Overview */
/** @typedef {Overview["jobs"][number]} JobRow */

const REFRESH_MS = 10_000;
const TOP = 5;

/** @type {Record<string, string>} */
const WINDOWS = { "24h": "Last 24 hours", "7d": "Last 7 days" };

/**
 * @param {string} label
 * @param {number} value
 * @param {string} kind a status (coloured) or "plain"
 * @param {string} [href]
 */
function tile(label, value, kind, href) {
  const body = [h("span", { class: "tile-value" }, formatCount(value)), h("span", { class: "tile-label" }, label)];
  return href ? h("a", { class: `tile st-border-${kind}`, href, "data-tile": label }, ...body) : h("div", { class: `tile st-border-${kind}`, "data-tile": label }, ...body);
}

/**
 * @param {string} caption
 * @param {JobRow[]} rows
 * @param {string} id
 */
function jobsTable(caption, rows, id) {
  return h(
    "table",
    { class: "plain", id },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...["Job", "Runs", "Failed", "Success", "Average", "Longest"].map((c) => h("th", { scope: "col" }, c)))),
    h(
      "tbody",
      {},
      ...(rows.length
        ? rows.map((row) =>
            h(
              "tr",
              {},
              h("td", {}, h("a", { href: `/ui/jobs/${encodeURIComponent(row.job)}` }, row.job)),
              h("td", { class: "num" }, formatCount(row.runs)),
              h("td", { class: "num" }, row.failed ? h("a", { href: `/ui/runs?job=${encodeURIComponent(row.job)}&status=failed` }, formatCount(row.failed)) : "0"),
              h("td", { class: "num" }, row.success_rate === null || row.success_rate === undefined ? "—" : `${Math.round(row.success_rate * 100)}%`),
              h("td", { class: "num" }, formatDuration(row.avg_duration_seconds)),
              h("td", { class: "num" }, formatDuration(row.max_duration_seconds)),
            ),
          )
        : [h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No runs in this window."))]),
    ),
  );
}

/**
 * @param {Overview} data
 * @param {string} span the window: 24h or 7d
 */
function sections(data, span) {
  const counts = /** @type {Partial<Record<string, number>>} */ (data.counts);
  const buckets = data.buckets.map((bucket) => ({
    // "2026-01-31 09:00" (UTC): the axis shows its last five characters, the tooltip all of it.
    label: bucket.start.slice(0, 16).replace("T", " "),
    counts: /** @type {Partial<Record<string, number>>} */ (bucket.counts),
  }));
  const total = buckets.reduce((sum, b) => sum + STATUSES.reduce((s, status) => s + (b.counts[status] ?? 0), 0), 0);
  const slowest = [...data.jobs].sort((a, b) => (b.avg_duration_seconds ?? -1) - (a.avg_duration_seconds ?? -1)).slice(0, TOP);
  const failing = [...data.jobs]
    .filter((row) => row.failed > 0)
    .sort((a, b) => b.failed - a.failed || (a.success_rate ?? 1) - (b.success_rate ?? 1))
    .slice(0, TOP);
  const labelEvery = span === "7d" ? 24 : 3;
  const title = `Runs created per hour by status, ${WINDOWS[span]?.toLowerCase() ?? span}: ${formatCount(total)} runs`;
  return [
    h(
      "section",
      { class: "tiles", "aria-label": "Runs by status" },
      ...STATUSES.map((status) => tile(status, counts[status] ?? 0, status, `/ui/runs?status=${status}`)),
      tile("waiting in the queue", data.queue_depth, "plain", "/ui/runs?status=queued"),
      tile("executing now", data.running, "plain", "/ui/runs?status=running"),
    ),
    h("figure", { class: "chart-box", id: "hourly" }, stackedBars(buckets, title, labelEvery), h("figcaption", {}, title, legend(STATUSES))),
    h("div", { class: "columns" }, jobsTable("Slowest jobs (average duration)", slowest, "slowest"), jobsTable("Most failing jobs", failing, "failing")),
  ];
}

/** @type {import("./app.js").Page} */
export async function overviewPage(view) {
  view.title("Overview");
  const requested = view.url.searchParams.get("window");
  const span = requested === "7d" ? "7d" : "24h";
  const content = h("div", { id: "overview" });
  const switcher = h(
    "nav",
    { class: "segmented", "aria-label": "Time window" },
    ...Object.entries(WINDOWS).map(([key, label]) => h("a", { href: `/ui/overview?window=${key}`, "aria-current": key === span ? "true" : null }, label)),
  );
  const generated = h("p", { class: "muted", id: "generated" });
  view.main.replaceChildren(h("div", { class: "page-head" }, h("h1", {}, "Overview"), switcher), content, generated);

  const show = async () => {
    const data = await overview({ window: span });
    if (view.signal.aborted) return;
    content.replaceChildren(...sections(data, span));
    generated.textContent = `As of ${data.generated_at.slice(0, 19).replace("T", " ")} UTC${data.environments.length ? ` · environments: ${data.environments.join(", ")}` : ""}`;
  };
  await show();
  view.every(REFRESH_MS, show);
}
