// /ui/runs: the runs table, newest first, with its filters in the URL (a view can be shared and
// survives a reload) and keyset pages (`cursor`, from the API's `next_cursor`: a page deep in a
// million runs is an index seek, not an offset). The first page re-reads itself every few seconds
// while it is shown, so new runs and changes of status appear without reloading.

import { STATUSES, listJobs, listRuns } from "./api.js";
import { formatCount, formatDuration, h, progressBar, secondsSince, statusBadge, timeElement } from "./dom.js";

/** @typedef {import("./api.js").RunList} RunList */
/** @typedef {import("./api.js").RunListItem} RunListItem */
/** @typedef {import("./api.js").RunListQuery} RunListQuery */
/** @typedef {import("./api.js").NativeStatus} NativeStatus */
/** @typedef {import("./app.js").View} View */

const REFRESH_MS = 3000;
const DEFAULT_PAGE_SIZE = 50;

/** The API parameters a /ui/runs URL carries as they are (any text but empty; the API checks it). */
const URL_TEXT_PARAMETERS = /** @type {const} */ ([
  "job",
  "environment",
  "session_id",
  "tag",
  "schedule",
  "created_after",
  "created_before",
  "cursor",
]);

/** The text filters, as the URL and the API both name them, with their labels. */
const TEXT_FILTERS = /** @type {const} */ ([
  ["environment", "Environment", 32],
  ["session_id", "Session", 256],
  ["tag", "Tag", 128],
  ["schedule", "Schedule id", 64],
]);

/**
 * The API query a /ui/runs URL stands for (unknown or malformed values are left out).
 * @param {URLSearchParams} params
 * @returns {RunListQuery}
 */
export function queryFromUrl(params) {
  /** @type {RunListQuery} */
  const query = {};
  const status = params.get("status");
  const found = STATUSES.find((s) => s === status);
  if (found !== undefined) query.status = found;
  for (const name of URL_TEXT_PARAMETERS) {
    const value = params.get(name);
    if (value) query[name] = value;
  }
  const size = Number(params.get("page_size"));
  query.page_size = Number.isInteger(size) && size >= 1 && size <= 100 ? size : DEFAULT_PAGE_SIZE;
  return query;
}

/**
 * A /ui/runs URL for a query (the default page size is left out, so the usual URL stays short).
 * @param {RunListQuery} query
 */
export function urlForQuery(query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    if (name === "page_size" && value === DEFAULT_PAGE_SIZE) continue;
    params.set(name, String(value));
  }
  const text = params.toString();
  return `/ui/runs${text ? `?${text}` : ""}`;
}

/**
 * "2026-01-31T09:30:00Z" -> "2026-01-31T09:30" for a datetime-local input (shown as UTC), and back.
 * @param {string | undefined} iso
 */
const toLocalInput = (iso) => (iso ? iso.replace(/Z$/, "").slice(0, 16) : "");
/** @param {string} value */
const fromLocalInput = (value) => (value ? `${value.length === 16 ? `${value}:00` : value}Z` : "");

/**
 * @param {RunListItem} run
 * @param {RunListQuery} query
 * @returns {HTMLTableRowElement}
 */
function runRow(run, query) {
  /**
   * The list narrowed to one value of one filter (a link in a cell).
   * @param {string} name
   * @param {string} value
   */
  const filtered = (name, value) => urlForQuery(/** @type {RunListQuery} */ ({ page_size: query.page_size, [name]: value }));
  const seconds = run.duration_seconds ?? (run.status === "running" && run.started_at ? secondsSince(run.started_at) : null);
  const percentage = run.progress?.percentage ?? (run.status === "succeeded" ? 100 : 0);
  const tags = run.tags ?? [];
  return h(
    "tr",
    { "data-run-id": run.job_id, "data-status": run.status },
    h("td", { "data-label": "Run" }, h("a", { href: `/ui/runs/${encodeURIComponent(run.job_id)}`, class: "run-id" }, run.job_id)),
    h("td", { "data-label": "Job" }, run.job ? h("a", { href: filtered("job", run.job) }, run.job) : "—"),
    h("td", { "data-label": "Status" }, statusBadge(run.status)),
    h("td", { "data-label": "Progress" }, progressBar(percentage, run.status, run.progress?.current_step)),
    h("td", { "data-label": "Environment" }, run.environment ? h("a", { href: filtered("environment", run.environment) }, run.environment) : "—"),
    h("td", { "data-label": "Session" }, run.session_id ? h("a", { href: filtered("session_id", run.session_id) }, run.session_id) : "—"),
    h("td", { "data-label": "Tags" }, tags.length ? h("span", { class: "tags" }, ...tags.map((tag) => h("a", { class: "tag", href: filtered("tag", tag) }, tag))) : "—"),
    h("td", { "data-label": "Created" }, timeElement(run.created_at)),
    h("td", { "data-label": "Duration", class: "num" }, formatDuration(seconds)),
  );
}

const COLUMNS = ["Run", "Job", "Status", "Progress", "Environment", "Session", "Tags", "Created (UTC)", "Duration"];

/**
 * @param {RunList} list
 * @param {RunListQuery} query
 */
function rows(list, query) {
  if (list.jobs.length === 0) {
    return [h("tr", {}, h("td", { colspan: COLUMNS.length, class: "empty" }, "No runs match these filters."))];
  }
  return list.jobs.map((run) => runRow(run, query));
}

/**
 * @param {RunListQuery} query
 * @param {View} view
 */
function filterForm(query, view) {
  const status = h("select", { id: "f-status", name: "status" }, h("option", { value: "" }, "any"), ...STATUSES.map((s) => h("option", { value: s, selected: s === query.status }, s)));
  const job = h("select", { id: "f-job", name: "job" }, h("option", { value: "" }, "any"));
  if (query.job) job.append(h("option", { value: query.job, selected: true }, query.job));
  const after = h("input", { id: "f-created_after", name: "created_after", type: "datetime-local", value: toLocalInput(query.created_after) });
  const before = h("input", { id: "f-created_before", name: "created_before", type: "datetime-local", value: toLocalInput(query.created_before) });
  const texts = TEXT_FILTERS.map(([name, label, max]) => {
    const input = h("input", { id: `f-${name}`, name, type: "search", maxlength: max, value: query[name] ?? "", autocomplete: "off" });
    return h("div", { class: "field" }, h("label", { for: `f-${name}` }, label), input);
  });
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter runs" },
    h("div", { class: "field" }, h("label", { for: "f-status" }, "Status"), status),
    h("div", { class: "field" }, h("label", { for: "f-job" }, "Job"), job),
    ...texts,
    h("div", { class: "field" }, h("label", { for: "f-created_after" }, "Created from (UTC)"), after),
    h("div", { class: "field" }, h("label", { for: "f-created_before" }, "Created to (UTC)"), before),
    h("div", { class: "field actions" }, h("button", { type: "submit" }, "Apply"), h("a", { href: urlForQuery({ page_size: query.page_size }) }, "Clear")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    /** @type {Record<string, string | number | undefined>} */
    const next = { page_size: query.page_size };
    for (const [name, value] of data.entries()) {
      if (typeof value !== "string" || value.trim() === "") continue;
      next[name] = name.startsWith("created_") ? fromLocalInput(value) : value.trim();
    }
    // A new filter starts at the newest runs: a cursor belongs to the list it came from.
    view.navigate(urlForQuery(/** @type {RunListQuery} */ (/** @type {unknown} */ (next))));
  });
  for (const select of [status, job]) select.addEventListener("change", () => form.requestSubmit());
  listJobs()
    .then((answer) => {
      for (const item of answer.jobs) {
        if (item.name !== query.job) job.append(h("option", { value: item.name }, item.name));
      }
    })
    .catch(() => {
      // The filter still works by the name in the URL; the list's own call reports what went wrong.
    });
  return form;
}

/**
 * The filters, folded away on a phone-wide screen unless one is in use.
 * @param {RunListQuery} query
 * @param {View} view
 */
function filterBox(query, view) {
  const active = Object.keys(query).filter((name) => name !== "page_size" && name !== "cursor").length;
  const open = active > 0 || !matchMedia("(max-width: 600px)").matches;
  return h("details", { class: "filter-box", open }, h("summary", {}, active ? `Filters (${active} in use)` : "Filters"), filterForm(query, view));
}

/**
 * @param {RunList} list
 * @param {RunListQuery} query
 */
function pager(list, query) {
  const { cursor: _cursor, ...first } = query;
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages of runs" },
    h("span", { class: "muted", id: "runs-count" }, `${list.jobs.length} shown of ${formatCount(list.total)} ${list.total === 1 ? "run" : "runs"}, newest first`),
    query.cursor ? h("a", { href: urlForQuery(first), rel: "first" }, "⇤ Newest") : null,
    list.next_cursor ? h("a", { href: urlForQuery({ ...query, cursor: list.next_cursor }), rel: "next", id: "older" }, "Older runs →") : null,
  );
}

/** @type {import("./app.js").Page} */
export async function runsPage(view) {
  view.title("Runs");
  const query = queryFromUrl(view.url.searchParams);
  const body = h("tbody");
  const table = h(
    "table",
    { class: "runs", "aria-describedby": "runs-count" },
    h("caption", { class: "visually-hidden" }, "Runs, newest first"),
    h("thead", {}, h("tr", {}, ...COLUMNS.map((c) => h("th", { scope: "col" }, c)))),
    body,
  );
  const pagerHolder = h("div");
  view.main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", {}, "Runs"), query.cursor ? null : h("span", { class: "live muted" }, "live")),
    filterBox(query, view),
    pagerHolder,
    h("div", { class: "table-scroll" }, table),
  );

  let list = await listRuns(query);
  if (view.signal.aborted) return;
  body.replaceChildren(...rows(list, query));
  pagerHolder.replaceChildren(pager(list, query));
  table.setAttribute("data-ready", "true");
  // What the dashboard's speed is measured by: navigation start to the rows on screen.
  performance.mark("runyard:rows");

  if (query.cursor) return; // an older page stays as it was read; the first page is the live one
  view.every(REFRESH_MS, async () => {
    const next = await listRuns(query);
    if (view.signal.aborted || JSON.stringify(next) === JSON.stringify(list)) return;
    const known = new Set(list.jobs.map((run) => run.job_id));
    const added = next.jobs.filter((run) => !known.has(run.job_id)).length;
    list = next;
    body.replaceChildren(...rows(list, query));
    pagerHolder.replaceChildren(pager(list, query));
    view.announce(added > 0 ? `${added} new ${added === 1 ? "run" : "runs"}` : "Runs updated");
  });
}
