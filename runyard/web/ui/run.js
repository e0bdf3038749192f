// /ui/runs/<id>: one run. Its status and progress follow the run's event stream while it has not
// finished; then (and on every change of status) the page reads its details and its output again.
// Cancel, replay and delete (after a confirmation) are the API's own operations.

import { ApiError, FINISHED, cancelRun, deleteRun, followRun, replayRun, runDetails, runLogs } from "./api.js";
import { facts, formatDuration, h, jsonBlock, progressBar, statusBadge, timeElement } from "./dom.js";

/** @typedef {import("./api.js").RunDetails} RunDetails */
/** @typedef {import("./api.js").RunLogs} RunLogs */
/** @typedef {import("./api.js").Progress} Progress */
/** @typedef {import("./app.js").View} View */

const LOGS_FOLLOW_MS = 1000;
const POLL_MS = 2000; // when the stream is not available (a proxy that buffers it, say)

/**
 * @param {unknown} data
 * @returns {data is Record<string, unknown>}
 */
const isObject = (data) => data !== null && typeof data === "object";

/**
 * Every attempt a worker made (worker, start, how it ended, exit code, error), as a small table. A run
 * that ran before runyard kept attempts has none listed: its last attempt is the run's own fields.
 * @param {RunDetails} run
 */
function attempts(run) {
  const head = h(
    "thead",
    {},
    h("tr", {}, ...["Attempt", "Worker", "Started (UTC)", "Ended as", "Exit code", "Error"].map((c) => h("th", { scope: "col" }, c))),
  );
  /** @param {number | null | undefined} code */
  const exit = (code) => (code === null || code === undefined ? "—" : String(code));
  /** @param {string | null | undefined} error */
  const error = (error) => (error ? h("span", { class: "error-text" }, error) : "—");
  const rows = run.attempts.map((a) =>
    h(
      "tr",
      {},
      h("td", { "data-label": "Attempt" }, `${a.number} of ${run.max_attempts}`),
      h("td", { "data-label": "Worker" }, a.worker ? h("code", {}, a.worker) : "—"),
      h("td", { "data-label": "Started" }, timeElement(a.started_at)),
      h("td", { "data-label": "Ended as" }, a.state === null || a.state === undefined ? "running" : a.state),
      h("td", { "data-label": "Exit code", class: "num" }, exit(a.exit_code)),
      h("td", { "data-label": "Error" }, error(a.error)),
    ),
  );
  if (rows.length === 0 && run.attempt > 0) {
    rows.push(
      h(
        "tr",
        {},
        h("td", { "data-label": "Attempt" }, `${run.attempt} of ${run.max_attempts}`),
        h("td", { "data-label": "Worker" }, "—"),
        h("td", { "data-label": "Started" }, run.started_at ? timeElement(run.started_at) : "—"),
        h("td", { "data-label": "Ended as" }, run.state),
        h("td", { "data-label": "Exit code", class: "num" }, exit(run.exit_code)),
        h("td", { "data-label": "Error" }, error(run.error)),
      ),
    );
  }
  if (rows.length === 0) return h("p", { class: "muted" }, "No attempt yet.");
  return h("div", { class: "attempts-scroll" }, h("table", { class: "plain attempts" }, head, h("tbody", {}, ...rows)));
}

/** @param {RunDetails} run */
function webhook(run) {
  const delivery = run.webhook;
  if (!delivery) return h("p", { class: "muted" }, "No webhook.");
  return facts([
    ["URL", h("code", {}, delivery.url)],
    ["State", delivery.state],
    ["Attempts", String(delivery.attempts)],
    ["Last status code", delivery.last_status_code === null || delivery.last_status_code === undefined ? "" : String(delivery.last_status_code)],
    ["Last error", delivery.last_error ?? ""],
    ["Delivered", delivery.delivered_at ? timeElement(delivery.delivered_at) : ""],
  ]);
}

/**
 * A confirmation in a modal <dialog> (focus is kept inside it and Escape cancels, natively).
 * @param {string} question
 * @param {string} action
 * @returns {Promise<boolean>}
 */
function confirmDialog(question, action) {
  return new Promise((resolve) => {
    const yes = h("button", { type: "submit", value: "yes", class: "danger" }, action);
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-labelledby": "confirm-question" },
      h("form", { method: "dialog" }, h("p", { id: "confirm-question" }, question), h("div", { class: "row" }, h("button", { type: "submit", value: "no" }, "Keep it"), yes)),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
    yes.focus();
  });
}

/** @type {import("./app.js").Page} */
export async function runPage(view, id) {
  view.title(id);
  let run = await runDetails(id);
  if (view.signal.aborted) return;

  const badge = h("span", { id: "run-status" });
  const progress = h("div", { class: "progress-line", id: "run-progress", "aria-live": "polite" });
  const summary = h("div");
  const outcome = h("div");
  const stdout = h("pre", { class: "log", id: "stdout", tabindex: 0 });
  const stderr = h("pre", { class: "log", id: "stderr", tabindex: 0 });
  const follow = h("input", { type: "checkbox", id: "follow-logs", checked: !FINISHED.has(run.status) });
  const message = h("p", { class: "error", role: "alert", hidden: true });
  const cancel = h("button", { type: "button", id: "cancel" }, "Cancel");
  const replay = h("button", { type: "button", id: "replay" }, "Replay");
  const remove = h("button", { type: "button", id: "delete", class: "danger" }, "Delete");

  /** @param {unknown} error */
  const fail = (error) => {
    message.hidden = false;
    message.textContent = error instanceof Error ? error.message : String(error);
  };

  /**
   * @param {string} status
   * @param {Progress} value
   */
  const showProgress = (status, value) => {
    progress.replaceChildren(progressBar(value.percentage, status, value.current_step), h("span", { class: "step", id: "run-step" }, `${Math.round(value.percentage)}%${value.current_step ? ` · ${value.current_step}` : ""}`));
  };

  /** @param {string} status */
  const showStatus = (status) => {
    badge.replaceChildren(statusBadge(status));
    const finished = FINISHED.has(status);
    cancel.disabled = finished;
    remove.disabled = status === "running";
    remove.title = status === "running" ? "A running run must be cancelled first" : "";
  };

  const showRun = () => {
    showStatus(run.status);
    showProgress(run.status, run.progress);
    summary.replaceChildren(
      facts([
        ["Job", h("a", { href: `/ui/jobs/${encodeURIComponent(run.job)}` }, run.job)],
        ["Job version", run.job_version === null ? "" : String(run.job_version)],
        ["Environment", run.environment],
        ["State", run.state],
        ["Session", run.session_id ?? ""],
        ["Tags", run.tags.length ? h("span", { class: "tags" }, ...run.tags.map((tag) => h("a", { class: "tag", href: `/ui/runs?tag=${encodeURIComponent(tag)}` }, tag))) : ""],
        ["Created", timeElement(run.created_at)],
        ["Delayed until", run.delayed_until ? timeElement(run.delayed_until) : ""],
        ["Started", run.started_at ? timeElement(run.started_at) : ""],
        ["Completed", run.completed_at ? timeElement(run.completed_at) : ""],
        ["Duration", formatDuration(run.duration_seconds)],
        ["Queue", run.queue ?? ""],
        ["Priority", String(run.priority)],
        ["Triggered by", run.triggered_by ?? ""],
        ["Schedule", run.schedule_id ? h("a", { href: `/ui/runs?schedule=${encodeURIComponent(run.schedule_id)}` }, run.schedule_id) : ""],
        ["Batch", run.batch_id ?? ""],
      ]),
    );
    outcome.replaceChildren(
      h("h2", {}, "Attempts"),
      attempts(run),
      h("h2", {}, "Result"),
      FINISHED.has(run.status) ? h("div", { id: "result" }, jsonBlock(run.result)) : h("p", { class: "muted", id: "result-pending" }, "Not finished yet."),
      h("h2", {}, "Input"),
      jsonBlock(run.input),
      h("h2", {}, "Metadata"),
      jsonBlock(run.metadata),
      h("h2", {}, "Webhook"),
      webhook(run),
    );
  };

  /**
   * @param {HTMLElement} pre
   * @param {string} text
   */
  const showLog = (pre, text) => {
    const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
    pre.textContent = text || "(empty)";
    if (follow.checked || atBottom) pre.scrollTop = pre.scrollHeight;
  };

  const readLogs = async () => {
    const logs = await runLogs(id);
    if (view.signal.aborted) return;
    showLog(stdout, logs.stdout);
    showLog(stderr, logs.stderr);
  };

  const reread = async () => {
    run = await runDetails(id);
    if (view.signal.aborted) return;
    showRun();
    await readLogs();
  };

  cancel.addEventListener("click", () => {
    cancel.disabled = true;
    cancelRun(id)
      .then((status) => {
        showStatus(status.status);
        view.announce(`Cancel requested; the run is ${status.status}`);
        return reread();
      })
      .catch(fail);
  });
  replay.addEventListener("click", () => {
    replay.disabled = true;
    replayRun(id)
      .then((created) => view.navigate(`/ui/runs/${encodeURIComponent(created.job_id)}`, { notice: `Replay of ${id}` }))
      .catch((error) => {
        replay.disabled = false;
        fail(error);
      });
  });
  remove.addEventListener("click", () => {
    confirmDialog(`Delete run ${id}? This cannot be undone.`, "Delete")
      .then(async (yes) => {
        if (!yes) return;
        await deleteRun(id);
        view.navigate("/ui/runs", { replace: true, notice: `Run ${id} deleted` });
      })
      .catch(fail);
  });

  view.main.replaceChildren(
    h("p", { class: "crumbs" }, h("a", { href: "/ui/runs" }, "Runs"), " / "),
    h("div", { class: "title-line" }, h("h1", { class: "run-title" }, id), badge),
    progress,
    h("div", { class: "actions row" }, cancel, replay, remove),
    message,
    h("div", { class: "columns" }, h("section", { "aria-label": "Run" }, summary), h("section", { "aria-label": "Outcome" }, outcome)),
    h(
      "section",
      { "aria-labelledby": "logs-heading" },
      h("div", { class: "page-head" }, h("h2", { id: "logs-heading" }, "Logs (latest attempt)"), h("label", { class: "inline" }, follow, " Follow")),
      h("h3", {}, "stdout"),
      stdout,
      h("h3", {}, "stderr"),
      stderr,
    ),
  );
  showRun();
  await readLogs();

  // Logs are read again every second while "Follow" is on and the run goes on.
  view.every(LOGS_FOLLOW_MS, async () => {
    if (follow.checked && !FINISHED.has(run.status)) await readLogs();
  });
  if (FINISHED.has(run.status)) return;
  watch(view, id, {
    status: (status) => {
      if (status !== run.status) void reread().catch(fail);
      showStatus(status);
    },
    progress: (status, value) => showProgress(status, value),
    ended: () => reread(),
  }).catch(fail);
}

/**
 * @typedef {object} Watcher
 * @property {(status: string) => void} status
 * @property {(status: string, progress: Progress) => void} progress
 * @property {() => Promise<void>} ended
 */

/**
 * Follows the run's stream; if the stream cannot be read, polls the details instead.
 * @param {View} view
 * @param {string} id
 * @param {Watcher} watcher
 */
async function watch(view, id, watcher) {
  let status = "queued";
  try {
    await followRun(
      id,
      (event, data) => {
        if (!isObject(data)) return;
        if (event === "status" && typeof data["status"] === "string") {
          status = data["status"];
          watcher.status(status);
          const progress = data["progress"];
          if (isObject(progress) && typeof progress["percentage"] === "number") {
            watcher.progress(status, { percentage: progress["percentage"], current_step: typeof progress["current_step"] === "string" ? progress["current_step"] : null });
          }
        } else if (event === "progress" && typeof data["percentage"] === "number") {
          watcher.progress(status, { percentage: data["percentage"], current_step: typeof data["current_step"] === "string" ? data["current_step"] : null });
        }
      },
      view.signal,
    );
    if (!view.signal.aborted) await watcher.ended();
  } catch (error) {
    if (view.signal.aborted) return;
    if (error instanceof ApiError && error.status === 401) throw error;
    // The stream failed: poll until the run has finished.
    view.every(POLL_MS, async () => {
      const run = await runDetails(id);
      if (run.status !== status) {
        status = run.status;
        watcher.status(status);
      }
      watcher.progress(run.status, run.progress);
    });
  }
}
