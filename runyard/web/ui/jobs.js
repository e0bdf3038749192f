// /ui/jobs and /ui/jobs/<name>: the defined jobs, each with its versions, command, limits and
// schedules (their next five due times), and its recent runs as a chart of duration and success.

import { FINISHED, getJob, jobVersions, listJobs, listRuns, listSchedules } from "./api.js";
import { legend, runsChart } from "./charts.js";
import { facts, formatDuration, h, statusBadge, timeElement } from "./dom.js";

/** @typedef {import("./api.js").Job} Job */
/** @typedef {import("./api.js").Schedule} Schedule */

const RECENT_RUNS = 100;

/** @param {readonly string[]} command */
const commandText = (command) => command.join(" ");

/** @param {number | null} seconds */
const limit = (seconds) => (seconds === null ? "none" : formatDuration(seconds));

/** @param {Schedule[]} schedules */
function schedulesTable(schedules) {
  if (schedules.length === 0) return h("p", { class: "muted" }, "No schedules.");
  return h(
    "div",
    { class: "table-scroll" },
    h(
      "table",
      { class: "plain schedules" },
      h("thead", {}, h("tr", {}, ...["Schedule", "When", "Time zone", "Environment", "Active", "Next five due times (UTC)"].map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        ...schedules.map((s) =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: `/ui/runs?schedule=${encodeURIComponent(s.id)}` }, h("code", {}, s.cron))),
            h("td", {}, s.description),
            h("td", {}, s.timezone),
            h("td", {}, s.environment),
            h("td", {}, s.active ? "yes" : "no"),
            h("td", {}, s.upcoming.length ? h("ol", { class: "upcoming" }, ...s.upcoming.map((t) => h("li", {}, timeElement(t)))) : "—"),
          ),
        ),
      ),
    ),
  );
}

/** @type {import("./app.js").Page} */
export async function jobsPage(view) {
  view.title("Jobs");
  const [jobs, schedules] = await Promise.all([listJobs(), listSchedules(undefined)]);
  if (view.signal.aborted) return;
  /** @type {Map<string, Schedule[]>} */
  const byJob = new Map();
  for (const schedule of schedules.schedules) byJob.set(schedule.job, [...(byJob.get(schedule.job) ?? []), schedule]);
  const rows = jobs.jobs.map((job) => {
    const own = byJob.get(job.name) ?? [];
    const next = own.map((s) => s.next_run_at).filter((t) => t !== null).sort()[0];
    return h(
      "tr",
      { "data-job": job.name },
      h("td", { "data-label": "Job" }, h("a", { href: `/ui/jobs/${encodeURIComponent(job.name)}` }, job.name)),
      h("td", { "data-label": "Version", class: "num" }, String(job.version)),
      h("td", { "data-label": "Command" }, h("code", { class: "command", title: commandText(job.command) }, commandText(job.command))),
      h("td", { "data-label": "Timeout" }, limit(job.timeout_seconds)),
      h("td", { "data-label": "Attempts", class: "num" }, String(job.max_attempts)),
      h("td", { "data-label": "Concurrency", class: "num" }, job.concurrency === null ? "any" : String(job.concurrency)),
      h("td", { "data-label": "Schedules" }, own.length ? `${own.length}, next ${next ? next.slice(0, 16).replace("T", " ") : "—"}` : "—"),
      h("td", { "data-label": "Runs" }, h("a", { href: `/ui/runs?job=${encodeURIComponent(job.name)}` }, "runs")),
    );
  });
  view.main.replaceChildren(
    h("h1", {}, "Jobs"),
    h(
      "div",
      { class: "table-scroll" },
      h(
        "table",
        { class: "runs jobs" },
        h("thead", {}, h("tr", {}, ...["Job", "Version", "Command", "Timeout", "Attempts", "Concurrency", "Schedules", ""].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, ...rows),
      ),
    ),
  );
}

/**
 * @param {Job} job
 */
function definition(job) {
  return facts([
    ["Version", String(job.version)],
    ["Command", h("code", { class: "command" }, commandText(job.command))],
    ["Shell", job.shell ? "yes" : "no"],
    ["Timeout", limit(job.timeout_seconds)],
    ["Attempts", `${job.max_attempts} (backoff ${job.retry.initial_seconds} s × ${job.retry.factor}, at most ${job.retry.max_seconds} s)`],
    ["Concurrency", job.concurrency === null ? "no limit" : String(job.concurrency)],
    ["Kill grace", `${job.kill_grace_seconds} s`],
    ["Retention", job.retention_days === null ? "the server's" : job.retention_days === 0 ? "for ever" : `${job.retention_days} days`],
    ["Variables", Object.keys(job.env).join(", ")],
    ["From the worker", job.env_from.join(", ")],
    ["Working folder", job.cwd ?? ""],
    ["Environments", job.environments === null ? "every one" : job.environments.join(", ")],
    ["Changed", timeElement(job.updated_at)],
  ]);
}

/** @type {import("./app.js").Page} */
export async function jobPage(view, name) {
  view.title(name);
  const [job, versions, schedules, recent] = await Promise.all([
    getJob(name),
    jobVersions(name),
    listSchedules(name),
    listRuns({ job: name, page_size: RECENT_RUNS }),
  ]);
  if (view.signal.aborted) return;
  const runs = [...recent.jobs].reverse(); // oldest first, as time reads left to right
  const finished = runs.filter((run) => FINISHED.has(run.status));
  const succeeded = finished.filter((run) => run.status === "succeeded").length;
  const rate = finished.length ? Math.round((100 * succeeded) / finished.length) : null;
  const durations = runs.map((run) => run.duration_seconds).filter((s) => s !== null && s !== undefined);
  const average = durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null;
  const points = runs.map((run) => ({ id: run.job_id, status: run.status, seconds: run.duration_seconds ?? null }));

  view.main.replaceChildren(
    h("p", { class: "crumbs" }, h("a", { href: "/ui/jobs" }, "Jobs"), " / "),
    h("h1", {}, name),
    h(
      "div",
      { class: "columns" },
      h("section", { "aria-labelledby": "def-heading" }, h("h2", { id: "def-heading" }, "Definition"), definition(job)),
      h(
        "section",
        { "aria-labelledby": "recent-heading" },
        h("h2", { id: "recent-heading" }, `Recent runs (${runs.length})`),
        h(
          "p",
          { class: "kpis" },
          h("span", { class: "kpi" }, h("strong", { id: "success-rate" }, rate === null ? "—" : `${rate}%`), " succeeded"),
          h("span", { class: "kpi" }, h("strong", {}, formatDuration(average)), " average duration"),
          h("a", { href: `/ui/runs?job=${encodeURIComponent(name)}` }, "All runs of this job →"),
        ),
        runs.length
          ? h("figure", { class: "chart-box" }, runsChart(points, `Duration of the last ${runs.length} runs of ${name}, coloured by status, with the success rate as a line`), h("figcaption", {}, legend(["succeeded", "failed", "cancelled", "running", "queued"]), "Bars: duration; line: success rate so far (right axis)."))
          : h("p", { class: "muted" }, "No runs yet."),
      ),
    ),
    h("h2", {}, "Schedules"),
    schedulesTable(schedules.schedules),
    h("h2", {}, "Versions"),
    h(
      "div",
      { class: "table-scroll" },
      h(
        "table",
        { class: "plain versions" },
        h("thead", {}, h("tr", {}, ...["Version", "Created (UTC)", "Command", "Timeout", "Attempts", "Concurrency"].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          ...versions.versions.map((v) =>
            h(
              "tr",
              {},
              h("td", { class: "num" }, String(v.version)),
              h("td", {}, timeElement(v.created_at)),
              h("td", {}, h("code", { class: "command" }, commandText(v.definition.command))),
              h("td", {}, limit(v.definition.timeout_seconds)),
              h("td", { class: "num" }, String(v.definition.max_attempts)),
              h("td", { class: "num" }, v.definition.concurrency === null ? "any" : String(v.definition.concurrency)),
            ),
          ),
        ),
      ),
    ),
    h("h2", {}, "Latest runs"),
    h(
      "ul",
      { class: "recent" },
      ...recent.jobs.slice(0, 10).map((run) => h("li", {}, statusBadge(run.status), " ", h("a", { href: `/ui/runs/${encodeURIComponent(run.job_id)}` }, run.job_id), " ", timeElement(run.created_at))),
    ),
  );
}
