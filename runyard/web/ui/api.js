// runyard's public native API, as the dashboard calls it: one more client of the contract.
//
// Every type below comes from the TypeScript types generated from openapi/runyard.yaml
// (generated/typescript/schema.d.ts), so `tsc --checkJs --strict` (tests/typescript_client) fails
// when the dashboard reads a field the contract does not have. The key, when the server wants one,
// lives in the browser's session storage and goes with every call as a bearer token (the stream's
// too: it is read with fetch(), since EventSource cannot send a header).

/** @typedef {import("../../../generated/typescript/schema.js").paths} Paths */
/** @typedef {import("../../../generated/typescript/schema.js").components["schemas"]} Schemas */
/** @typedef {Schemas["NativeStatus"]} NativeStatus */
/** @typedef {Schemas["RunList"]} RunList */
/** @typedef {Schemas["RunListItem"]} RunListItem */
/** @typedef {Schemas["RunStatus"]} RunStatus */
/** @typedef {Schemas["RunLogs"]} RunLogs */
/** @typedef {Schemas["Job"]} Job */
/** @typedef {Schemas["JobList"]} JobList */
/** @typedef {Schemas["ScheduleList"]} ScheduleList */
/** @typedef {Schemas["Schedule"]} Schedule */
/** @typedef {Schemas["Progress"]} Progress */
/** @typedef {NonNullable<Paths["/api/v1/runs"]["get"]["parameters"]["query"]>} RunListQuery */
/** @typedef {Paths["/api/v1/runs/{job_id}/details"]["get"]["responses"][200]["content"]["application/json"]} RunDetails */
/** @typedef {Paths["/api/v1/runs/{job_id}/replay"]["post"]["responses"][202]["content"]["application/json"]} Replayed */
/** @typedef {Paths["/api/v1/overview"]["get"]["responses"][200]["content"]["application/json"]} Overview */
/** @typedef {NonNullable<Paths["/api/v1/overview"]["get"]["parameters"]["query"]>} OverviewQuery */
/** @typedef {Paths["/api/v1/jobs/{name}/versions"]["get"]["responses"][200]["content"]["application/json"]} JobVersions */

/** The statuses in the order the dashboard shows them everywhere (tables, tiles, stacked bars). */
/** @type {NativeStatus[]} */
export const STATUSES = ["succeeded", "failed", "cancelled", "running", "queued"];

/** @type {ReadonlySet<string>} */
export const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

const KEY_STORAGE = "runyard.key";

/** An answer other than 2xx, with the native error shape's `detail` when it has one. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} detail
   */
  constructor(status, detail) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
  }
}

/** @returns {string | null} */
export function savedKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

/** @param {string} key */
export function saveKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_STORAGE);
}

/** @param {string} accept */
function headers(accept) {
  const result = new Headers({ Accept: accept });
  const key = savedKey();
  if (key) result.set("Authorization", `Bearer ${key}`);
  return result;
}

/**
 * What went wrong, from the native shape ({"detail": ...}), a problem document, or the status alone.
 * @param {Response} response
 * @returns {Promise<string>}
 */
async function detailOf(response) {
  try {
    const body = /** @type {unknown} */ (await response.json());
    if (body !== null && typeof body === "object" && "detail" in body && typeof body.detail === "string") return body.detail;
  } catch {
    // Not JSON: the status says enough.
  }
  return `${response.status} ${response.statusText}`;
}

/**
 * @template T
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<T>}
 */
async function call(path, init = {}) {
  const response = await fetch(path, { ...init, headers: headers("application/json") });
  if (!response.ok) throw new ApiError(response.status, await detailOf(response));
  if (response.status === 204) return /** @type {T} */ (/** @type {unknown} */ (undefined));
  return /** @type {T} */ (await response.json());
}

/**
 * A query string of the parameters that have a value.
 * @param {Record<string, string | number | undefined | null>} params
 */
export function queryString(params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `?${text}` : "";
}

/** @param {string} id */
const runPath = (id) => `/api/v1/runs/${encodeURIComponent(id)}`;

/**
 * @param {RunListQuery} query
 * @returns {Promise<RunList>}
 */
export const listRuns = (query) => call(`/api/v1/runs${queryString(query)}`);

/**
 * @param {string} id
 * @returns {Promise<RunDetails>}
 */
export const runDetails = (id) => call(`${runPath(id)}/details`);

/**
 * @param {string} id
 * @returns {Promise<RunLogs>}
 */
export const runLogs = (id) => call(`${runPath(id)}/logs`);

/**
 * @param {string} id
 * @returns {Promise<RunStatus>}
 */
export const cancelRun = (id) => call(`${runPath(id)}/cancel`, { method: "POST" });

/**
 * @param {string} id
 * @returns {Promise<Replayed>}
 */
export const replayRun = (id) => call(`${runPath(id)}/replay`, { method: "POST" });

/**
 * @param {string} id
 * @returns {Promise<void>}
 */
export const deleteRun = (id) => call(runPath(id), { method: "DELETE" });

/**
 * @returns {Promise<JobList>}
 */
export const listJobs = () => call("/api/v1/jobs");

/**
 * @param {string} name
 * @returns {Promise<Job>}
 */
export const getJob = (name) => call(`/api/v1/jobs/${encodeURIComponent(name)}`);

/**
 * @param {string} name
 * @returns {Promise<JobVersions>}
 */
export const jobVersions = (name) => call(`/api/v1/jobs/${encodeURIComponent(name)}/versions`);

/**
 * @param {string | undefined} job
 * @returns {Promise<ScheduleList>}
 */
export const listSchedules = (job) => call(`/api/v1/schedules${queryString({ job, page_size: 100 })}`);

/**
 * @param {OverviewQuery} query
 * @returns {Promise<Overview>}
 */
export const overview = (query) => call(`/api/v1/overview${queryString(query)}`);

/**
 * Follows GET /api/v1/runs/{id}/stream (Server-Sent Events) until the run ends or `signal` aborts,
 * handing each event's name and parsed data to `onEvent`.
 * @param {string} id
 * @param {(event: string, data: unknown) => void} onEvent
 * @param {AbortSignal} signal
 * @returns {Promise<void>}
 */
export async function followRun(id, onEvent, signal) {
  const response = await fetch(`${runPath(id)}/stream`, { headers: headers("text/event-stream"), signal });
  if (!response.ok || response.body === null) throw new ApiError(response.status, await detailOf(response));
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "message";
  /** @type {string[]} */
  let data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n");
    while (end >= 0) {
      const line = buffer.slice(0, end).replace(/\r$/, "");
      buffer = buffer.slice(end + 1);
      end = buffer.indexOf("\n");
      if (line === "") {
        if (data.length > 0) onEvent(event, JSON.parse(data.join("\n")));
        event = "message";
        data = [];
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = text;
        else if (field === "data") data.push(text);
      }
    }
  }
}
