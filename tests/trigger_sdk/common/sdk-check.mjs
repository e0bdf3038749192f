// Drives a live runyard server through the official @trigger.dev/sdk (3.x or 4.x).
//
// Shared by ../v3/sdk-check.mjs and ../v4/sdk-check.mjs, which import their own SDK
// line and pass it in: this module imports no SDK itself, so each line runs against
// exactly the package its own package-lock.json pins.
//
// Environment:
//   BASE_URL         runyard's root URL (http://127.0.0.1:PORT); the SDK talks to BASE_URL/trigger,
//                    the checks define their own tasks through the native API (BASE_URL/api/v1/jobs)
//   SECRET_KEY       an API key of one environment (the one everything is checked in)
//   OTHER_ENV_KEY    an API key of another environment (isolation checks)
//   DEFAULT_ENV_KEY  an API key of the environment `default`, where a run submitted without a key belongs
//   KEYLESS_RUN_ID   a run submitted through the native API (POST BASE_URL/api/v1/runs) without a key
//   KEYLESS_RUN_JOB  the job (task) of that run
//   ADMIN_KEY        an admin key of SECRET_KEY's environment (schedules are made by admins)
//   WORKER_BASE_URL  a second server, on a database of its own, whose workers run jobs
//   WORKER_SECRET_KEY a key of that server
//
// Prints one JSON summary on stdout; the exit code is non-zero when any check failed.
// Task names carry a random suffix, so the script can run any number of times against
// the same server and every count it asserts stays exact.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { batchChecks } from "./batch-check.mjs";
import { bulkChecks } from "./bulk-check.mjs";
import { runOptionChecks } from "./run-options-check.mjs";
import { scheduleChecks } from "./schedule-check.mjs";

const PAGE_RUNS = 250;
const PAGE_SIZE = 20;
const CONCURRENCY = 10;
const NO_RETRY = { retry: { maxAttempts: 1 } };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `worker(i)` for i in [0, count) with at most `limit` in flight; results in index order. */
async function pooled(count, limit, worker) {
  const results = new Array(count);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await worker(i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** `10m` / `1h30m` / `600s` / 600 -> seconds. */
function durationSeconds(value) {
  if (typeof value === "number") return value;
  const units = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
  const parts = [...String(value).matchAll(/(\d+)([wdhms])/g)];
  assert.ok(parts.length > 0, `not a duration: ${JSON.stringify(value)}`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
}

async function defineTask(baseUrl, name, command) {
  const response = await fetch(`${baseUrl}/api/v1/jobs/${encodeURIComponent(name)}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ command }),
  });
  const text = await response.text();
  assert.ok([200, 201].includes(response.status), `PUT /api/v1/jobs/${name}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** Collects every item of a `runs.list()` through the SDK's own auto-pagination. */
async function collect(runs, params) {
  const items = [];
  for await (const run of runs.list(params)) items.push(run);
  return items;
}

const ids = (items) => items.map((run) => run.id);
const sorted = (values) => [...values].sort();

/** Asserts the async fn throws the SDK's `errorClass` with this HTTP status; returns what it saw. */
async function expectApiError(sdk, errorClass, status, fn) {
  let caught;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, `expected ${errorClass.name} (${status}), but the call succeeded`);
  const seen = { class: caught?.constructor?.name, name: caught?.name, status: caught?.status, message: caught?.message };
  assert.ok(caught instanceof errorClass, `expected ${errorClass.name}, got ${JSON.stringify(seen)}`);
  assert.ok(caught instanceof sdk.ApiError, `not an ApiError: ${JSON.stringify(seen)}`);
  assert.equal(caught.status, status, `status of ${JSON.stringify(seen)}`);
  assert.equal(caught.name, "TriggerApiError", `name of ${JSON.stringify(seen)}`);
  return seen;
}

/**
 * @param {object} sdk  the SDK module namespace (`import * as sdk from "@trigger.dev/sdk"` or ".../v3")
 * @param {string} label "v3" / "v4"
 * @param {string} sdkVersion the installed @trigger.dev/sdk version
 * @param {object} core the line's @trigger.dev/core/v3 module (its API client, for calls the SDK makes only inside tasks)
 */
export async function main(sdk, label, sdkVersion, core) {
  const { configure, runs, tasks, auth } = sdk;
  const baseUrl = (process.env.BASE_URL ?? "").replace(/\/+$/, "");
  const secretKey = process.env.SECRET_KEY;
  const otherKey = process.env.OTHER_ENV_KEY;
  const defaultKey = process.env.DEFAULT_ENV_KEY;
  const keylessRun = process.env.KEYLESS_RUN_ID;
  const keylessJob = process.env.KEYLESS_RUN_JOB;
  const adminKey = process.env.ADMIN_KEY;
  const workerBaseUrl = (process.env.WORKER_BASE_URL ?? "").replace(/\/+$/, "");
  const workerKey = process.env.WORKER_SECRET_KEY;
  const missing = Object.entries({
    BASE_URL: baseUrl,
    SECRET_KEY: secretKey,
    OTHER_ENV_KEY: otherKey,
    DEFAULT_ENV_KEY: defaultKey,
    KEYLESS_RUN_ID: keylessRun,
    KEYLESS_RUN_JOB: keylessJob,
    ADMIN_KEY: adminKey,
    WORKER_BASE_URL: workerBaseUrl,
    WORKER_SECRET_KEY: workerKey,
  })
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length) {
    console.error(`missing environment: ${missing.join(", ")}`);
    process.exit(2);
  }
  // Fail fast on a wrong BASE_URL: the SDK itself would retry every call for ~9 s.
  try {
    const health = await fetch(`${baseUrl}/health`);
    if (!health.ok) throw new Error(`GET /health answered ${health.status}`);
  } catch (error) {
    console.error(`no runyard server at ${baseUrl}: ${error.cause?.message ?? error.message}`);
    process.exit(2);
  }

  const started = Date.now();
  const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const PAGE_TASK = `sdkcheck-${label}-page-${suffix}`;
  const MISC_TASK = `sdkcheck-${label}-misc-${suffix}`;
  const TAG_A = `a-${suffix}`;
  const TAG_D = `d-${suffix}`;
  const TAG_SHARED = `shared-${suffix}`;

  // 3.x ignores a second configure() in one process: configure exactly once, switch keys with auth.withAuth().
  configure({ baseURL: `${baseUrl}/trigger`, secretKey });
  const asOther = (fn) => auth.withAuth({ secretKey: otherKey }, fn);

  const summary = { sdk: label, sdkVersion, suffix, tasks: { page: PAGE_TASK, misc: MISC_TASK }, passed: [], failed: [], details: {}, runs: {} };
  const state = {};

  // A check that needs runs an earlier check failed to make is reported as not run, not as a confusing error.
  async function check(name, fn, needs = []) {
    const t0 = Date.now();
    const missingState = needs.filter((key) => state[key] === undefined);
    if (missingState.length) {
      summary.failed.push({ check: name, ms: 0, error: `not run: needs ${missingState.join(", ")} from an earlier check` });
      return;
    }
    try {
      const detail = await fn();
      summary.passed.push(name);
      if (detail !== undefined) summary.details[name] = detail;
    } catch (error) {
      summary.failed.push({ check: name, ms: Date.now() - t0, error: String(error?.stack ?? error) });
    }
  }

  const scheduled = scheduleChecks({ sdk, check, state, suffix, label, adminKey, defineTask, expectApiError, collect, baseUrl });
  await scheduled.start(); // a schedule due every minute: the checks below give it time to fire

  await check("defineTasks", async () => {
    await defineTask(baseUrl, PAGE_TASK, ["true"]);
    const job = await defineTask(baseUrl, MISC_TASK, ["echo", "v1"]);
    return { miscVersion: job.version };
  });

  // --- trigger --------------------------------------------------------------------------------
  const payloadA = { hello: "world", n: 42, ok: true, nothing: null, nested: { list: [1, "two", { three: 3 }] }, text: "ünïcødé ✓" };
  await check("trigger", async () => {
    const key = `idem-${suffix}`;
    const first = await tasks.trigger(MISC_TASK, payloadA, { idempotencyKey: key, ttl: "10m", tags: [TAG_A, TAG_SHARED], maxAttempts: 3 });
    assert.match(first.id, /^run_[0-9a-z]{26}$/);
    assert.equal(typeof first.publicAccessToken, "string");
    assert.equal(first.publicAccessToken.split(".").length, 3, "publicAccessToken is a JWT");
    const again = await tasks.trigger(MISC_TASK, { other: "payload" }, { idempotencyKey: key, ttl: "10m", tags: [TAG_A, TAG_SHARED], maxAttempts: 3 });
    assert.equal(again.id, first.id, "the same idempotencyKey gives the same run");
    state.A = first.id;

    const delayed = await tasks.trigger(MISC_TASK, { delayed: true }, { delay: "1h", tags: [TAG_D, TAG_SHARED] });
    state.D = delayed.id;
    const toCancel = await tasks.trigger(MISC_TASK, { cancel: "me" });
    state.C = toCancel.id;
    assert.equal(new Set([state.A, state.D, state.C]).size, 3, "distinct runs");
  });

  // A second version of the task, and a run on it; remember the time in between for from/to.
  await check("triggerNewVersion", async () => {
    const job = await defineTask(baseUrl, MISC_TASK, ["echo", "v2"]);
    await sleep(15);
    state.between = new Date();
    await sleep(15);
    state.B = (await tasks.trigger(MISC_TASK, { version: 2 })).id;
    return { miscVersion: job.version };
  }, ["A"]);

  // --- retrieve -------------------------------------------------------------------------------
  await check("retrieve", async () => {
    const a = await runs.retrieve(state.A);
    assert.equal(a.id, state.A);
    assert.equal(a.taskIdentifier, MISC_TASK);
    assert.equal(a.status, "QUEUED");
    assert.deepEqual(a.payload, payloadA, "payload roundtrip");
    assert.deepEqual(sorted(a.tags), sorted([TAG_A, TAG_SHARED]));
    assert.equal(a.isTest, false);
    assert.equal(a.isQueued, true);
    assert.equal(a.isCompleted, false);
    assert.equal(a.isCancelled, false);
    assert.equal(a.version, "1");
    assert.ok(a.createdAt instanceof Date && !Number.isNaN(a.createdAt.getTime()), "createdAt is a Date");
    assert.ok(Math.abs(a.createdAt.getTime() - Date.now()) < 120_000, `createdAt is now-ish: ${a.createdAt.toISOString()}`);
    assert.ok(a.updatedAt instanceof Date);
    assert.equal(a.startedAt, undefined, "a queued run has not started");
    assert.equal(a.finishedAt, undefined);
    assert.equal(typeof a.idempotencyKey, "string", "idempotencyKey is shown");
    assert.equal(durationSeconds(a.ttl), 600, `ttl ${a.ttl}`);
    assert.equal(a.depth, 0);
    assert.equal(a.triggerFunction, "trigger");
    assert.ok(a.relatedRuns && typeof a.relatedRuns === "object");

    const d = await runs.retrieve(state.D);
    assert.equal(d.status, "DELAYED");
    assert.deepEqual(d.payload, { delayed: true });
    assert.ok(d.delayedUntil instanceof Date, "delayedUntil is a Date");
    const inSeconds = (d.delayedUntil.getTime() - Date.now()) / 1000;
    assert.ok(inSeconds > 3300 && inSeconds <= 3600, `delayedUntil ~1h ahead: ${d.delayedUntil.toISOString()}`);

    const b = await runs.retrieve(state.B);
    assert.equal(b.version, "2");
    assert.deepEqual(b.payload, { version: 2 });
    return { status: a.status, version: a.version, ttl: a.ttl, delayedStatus: d.status };
  }, ["A", "B", "D"]);

  // --- list filters ---------------------------------------------------------------------------
  await check("listFilters", async () => {
    const only = { taskIdentifier: [MISC_TASK], limit: 100 };
    const filters = [];
    const expect = async (params, expected, what) => {
      filters.push(what);
      const got = await collect(runs, { ...only, ...params });
      assert.deepEqual(sorted(ids(got)), sorted(expected), `${what}: ${JSON.stringify(params)}`);
      return got;
    };
    const { A, B, C, D } = state;
    const all = await expect({}, [A, B, C, D], "taskIdentifier");
    for (const run of all) {
      assert.equal(run.taskIdentifier, MISC_TASK);
      assert.ok(run.env && typeof run.env.id === "string" && typeof run.env.name === "string", "env is shown");
      assert.ok(run.createdAt instanceof Date);
    }
    assert.equal(all.find((r) => r.id === D).status, "DELAYED");
    await expect({ status: ["QUEUED"] }, [A, B, C], "status QUEUED");
    await expect({ status: "DELAYED" }, [D], "status DELAYED (a string)");
    await expect({ status: ["QUEUED", "DELAYED"] }, [A, B, C, D], "status QUEUED,DELAYED");
    await expect({ status: ["COMPLETED", "EXECUTING"] }, [], "status nobody has");
    await expect({ version: ["1"] }, [A, C, D], "version 1");
    await expect({ version: "2" }, [B], "version 2");
    await expect({ tag: [TAG_A] }, [A], "tag");
    await expect({ tag: [TAG_SHARED] }, [A, D], "shared tag");
    await expect({ tag: [TAG_A, TAG_D] }, [A, D], "any of two tags");
    await expect({ from: state.between }, [B], "from");
    await expect({ to: state.between }, [A, C, D], "to");
    await expect({ from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 60_000) }, [A, B, C, D], "from+to");
    await expect({ from: state.between.getTime(), to: Date.now() + 60_000 }, [B], "from/to as numbers");
    await expect({ period: "1d" }, [A, B, C, D], "period 1d");
    await expect({ isTest: false }, [A, B, C, D], "isTest false");
    await expect({ isTest: true }, [], "isTest true");
    // Both lists of one filter together: AND between filters, OR within one.
    await expect({ status: ["QUEUED"], tag: [TAG_SHARED], version: ["1"] }, [A], "status+tag+version");
    // Without a taskIdentifier restriction a tag still finds exactly its runs among everything on the server.
    const byTag = await collect(runs, { tag: TAG_SHARED });
    assert.deepEqual(sorted(ids(byTag)), sorted([A, D]), "tag without taskIdentifier");
    filters.push("tag without taskIdentifier");
    return { checked: filters.length, filters };
  }, ["A", "B", "C", "D", "between"]);

  // --- 250 runs: auto-pagination, next / previous pages ------------------------------------------
  await check("triggerMany", async () => {
    const t0 = Date.now();
    state.many = await pooled(PAGE_RUNS, CONCURRENCY, async (i) => (await tasks.trigger(PAGE_TASK, { i })).id);
    assert.equal(new Set(state.many).size, PAGE_RUNS, "every trigger made a new run");
    return { runs: PAGE_RUNS, concurrency: CONCURRENCY, ms: Date.now() - t0 };
  });

  await check("autoPaginate", async () => {
    const t0 = Date.now();
    const seen = [];
    let pages = 0;
    const firstPage = await runs.list({ taskIdentifier: [PAGE_TASK], limit: PAGE_SIZE });
    for await (const page of firstPage.iterPages()) {
      pages += 1;
      assert.ok(page.data.length <= PAGE_SIZE, `page of ${page.data.length}`);
    }
    for await (const run of runs.list({ taskIdentifier: [PAGE_TASK], limit: PAGE_SIZE })) seen.push(run);
    const seenIds = ids(seen);
    assert.equal(seen.length, PAGE_RUNS, "every run is listed");
    assert.equal(new Set(seenIds).size, PAGE_RUNS, "no run is listed twice");
    assert.deepEqual(sorted(seenIds), sorted(state.many), "exactly the triggered runs");
    for (let i = 1; i < seen.length; i++) {
      const newer = seen[i - 1].createdAt.getTime();
      const older = seen[i].createdAt.getTime();
      assert.ok(newer >= older, `newest first: #${i - 1} ${seen[i - 1].id} ${seen[i - 1].createdAt.toISOString()} before #${i} ${seen[i].id} ${seen[i].createdAt.toISOString()}`);
    }
    state.pageOrder = seenIds;
    return { unique: new Set(seenIds).size, listed: seen.length, pages, pageSize: PAGE_SIZE, ms: Date.now() - t0 };
  }, ["many"]);

  await check("nextAndPreviousPage", async () => {
    const params = { taskIdentifier: [PAGE_TASK], limit: PAGE_SIZE };
    const p1 = await runs.list(params);
    assert.equal(p1.data.length, PAGE_SIZE);
    assert.equal(p1.hasPreviousPage(), false, "the first page has no previous page");
    assert.equal(p1.hasNextPage(), true);
    const p2 = await p1.getNextPage();
    const p3 = await p2.getNextPage();
    assert.equal(p2.data.length, PAGE_SIZE);
    assert.equal(p2.hasPreviousPage(), true);
    assert.deepEqual(ids(p1.data), state.pageOrder.slice(0, PAGE_SIZE), "page 1 is what the walk saw first");
    assert.deepEqual(ids(p2.data), state.pageOrder.slice(PAGE_SIZE, 2 * PAGE_SIZE), "page 2 follows page 1");
    assert.deepEqual(ids(p3.data), state.pageOrder.slice(2 * PAGE_SIZE, 3 * PAGE_SIZE), "page 3 follows page 2");
    const back2 = await p3.getPreviousPage();
    assert.deepEqual(ids(back2.data), ids(p2.data), "previous of page 3 is page 2");
    const back1 = await back2.getPreviousPage();
    assert.deepEqual(ids(back1.data), ids(p1.data), "previous of page 2 is page 1");
    assert.equal(back1.hasPreviousPage(), false, "back on the first page: no previous page");
    assert.equal(back1.hasNextPage(), true);

    // Walk to the end by hand; the last page is short and has no next page.
    let page = p1;
    const walked = [...ids(p1.data)];
    let count = 1;
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      walked.push(...ids(page.data));
      count += 1;
    }
    assert.deepEqual(walked, state.pageOrder, "getNextPage walk equals the for-await walk");
    assert.equal(page.data.length, PAGE_RUNS % PAGE_SIZE || PAGE_SIZE, "the last page holds the remainder");
    assert.equal(page.hasPreviousPage(), true);
    const beforeLast = await page.getPreviousPage();
    const lastFull = Math.floor((PAGE_RUNS - 1) / PAGE_SIZE) * PAGE_SIZE;
    assert.deepEqual(ids(beforeLast.data), state.pageOrder.slice(lastFull - PAGE_SIZE, lastFull), "previous of the last page");
    return { pages: count, lastPageSize: page.data.length };
  }, ["pageOrder"]);

  // Runs triggered while a client pages are newer than its cursor: later pages neither skip nor repeat a run.
  await check("insertWhilePaging", async () => {
    const INS_TASK = `sdkcheck-${label}-ins-${suffix}`;
    await defineTask(baseUrl, INS_TASK, ["true"]);
    const before = await pooled(45, CONCURRENCY, async (i) => (await tasks.trigger(INS_TASK, { i })).id);
    const p1 = await runs.list({ taskIdentifier: [INS_TASK], limit: PAGE_SIZE });
    const added = await pooled(5, CONCURRENCY, async (i) => (await tasks.trigger(INS_TASK, { added: i })).id);
    const walked = [];
    for await (const page of p1.iterPages()) walked.push(...ids(page.data));
    assert.equal(walked.length, before.length, "the walk that started before the inserts sees the runs that existed then");
    assert.deepEqual(sorted(walked), sorted(before));
    const p2 = await p1.getNextPage();
    const back = await p2.getPreviousPage();
    assert.deepEqual(ids(back.data), ids(p1.data), "previous of page 2 is still page 1");
    assert.equal(back.hasPreviousPage(), true, "page 1 now has newer runs before it");
    const newer = await back.getPreviousPage();
    assert.deepEqual(sorted(ids(newer.data)), sorted(added), "the page before page 1 holds the inserted runs");
    assert.equal(newer.hasPreviousPage(), false);
    const fresh = await collect(runs, { taskIdentifier: [INS_TASK], limit: PAGE_SIZE });
    assert.deepEqual(sorted(ids(fresh)), sorted([...before, ...added]), "a new walk sees all");
    return { before: before.length, added: added.length };
  });

  // --- cancel / replay ------------------------------------------------------------------------
  await check("cancel", async () => {
    const answer = await runs.cancel(state.C);
    assert.equal(answer.id, state.C);
    const c = await runs.retrieve(state.C);
    assert.equal(c.status, "CANCELED");
    assert.equal(c.isCancelled, true);
    assert.equal(c.isCompleted, true);
    assert.equal(c.isQueued, false);
    assert.ok(c.finishedAt instanceof Date, "a canceled run has finishedAt");
    const again = await runs.cancel(state.C);
    assert.equal(again.id, state.C, "cancelling twice answers the same");
    const canceled = await collect(runs, { taskIdentifier: [MISC_TASK], status: ["CANCELED"] });
    assert.deepEqual(ids(canceled), [state.C], "status CANCELED lists it");
    const queued = await collect(runs, { taskIdentifier: [MISC_TASK], status: ["QUEUED"] });
    assert.deepEqual(sorted(ids(queued)), sorted([state.A, state.B]), "no longer QUEUED");
    return { status: c.status };
  }, ["A", "B", "C"]);

  await check("replay", async () => {
    const replay = await runs.replay(state.A);
    assert.match(replay.id, /^run_[0-9a-z]{26}$/);
    assert.notEqual(replay.id, state.A, "a replay is a new run");
    state.R = replay.id;
    const r = await runs.retrieve(replay.id);
    assert.equal(r.taskIdentifier, MISC_TASK);
    assert.deepEqual(r.payload, payloadA, "the replay has the original payload");
    assert.deepEqual(sorted(r.tags), sorted([TAG_A, TAG_SHARED]), "the replay has the original tags");
    assert.equal(r.status, "QUEUED");
    const original = await runs.retrieve(state.A);
    assert.equal(original.status, "QUEUED", "the original is untouched");
    const listed = await collect(runs, { taskIdentifier: [MISC_TASK] });
    assert.deepEqual(sorted(ids(listed)), sorted([state.A, state.B, state.C, state.D, state.R]));
    assert.equal(listed[0].id, state.R, "the replay is the newest run");
    return { id: r.id, status: r.status };
  }, ["A", "B", "C", "D"]);

  // --- errors ---------------------------------------------------------------------------------
  await check("invalidStatusFilter", async () =>
    expectApiError(sdk, sdk.BadRequestError, 400, () => runs.list({ status: ["FOOBAR"] }, NO_RETRY)),
  );

  await check("unknownRun", async () =>
    expectApiError(sdk, sdk.NotFoundError, 404, () => runs.retrieve("run_00000000000000000000000000", NO_RETRY)),
  );

  await check("otherEnvironment", async () => {
    const seen = await asOther(() => expectApiError(sdk, sdk.NotFoundError, 404, () => runs.retrieve(state.A, NO_RETRY)));
    await asOther(() => expectApiError(sdk, sdk.NotFoundError, 404, () => runs.cancel(state.B, NO_RETRY)));
    await asOther(() => expectApiError(sdk, sdk.NotFoundError, 404, () => runs.replay(state.A, NO_RETRY)));
    const theirs = await asOther(async () => {
      const listed = await collect(runs, { taskIdentifier: [MISC_TASK, PAGE_TASK] });
      assert.deepEqual(ids(listed), [], "another environment lists none of these runs");
      const byTag = await collect(runs, { tag: [TAG_A, TAG_SHARED] });
      assert.deepEqual(ids(byTag), [], "nor by tag");
      // Their own run of the same task, with the same idempotency key: a separate run.
      const own = await tasks.trigger(MISC_TASK, { env: "other" }, { idempotencyKey: `idem-${suffix}` });
      assert.notEqual(own.id, state.A, "idempotency keys are per environment");
      const mine = await collect(runs, { taskIdentifier: [MISC_TASK] });
      assert.deepEqual(ids(mine), [own.id], "the other environment lists its own run only");
      assert.notEqual(mine[0].env.id, undefined);
      return { id: own.id, envId: mine[0].env.id, envName: mine[0].env.name };
    });
    await expectApiError(sdk, sdk.NotFoundError, 404, () => runs.retrieve(theirs.id, NO_RETRY));
    const listed = await collect(runs, { taskIdentifier: [MISC_TASK] });
    assert.ok(!ids(listed).includes(theirs.id), "this environment does not list the other's run");
    assert.notEqual(listed[0].env.id, theirs.envId, "the environments differ");
    state.other = theirs.id;
    return { retrieve: seen.status, otherEnv: theirs.envName, thisEnv: listed[0].env.name };
  }, ["A", "B"]);

  await check("invalidKey", async () => {
    const bad = `tr_dev_${randomBytes(16).toString("hex")}`;
    const seen = await auth.withAuth({ secretKey: bad }, () =>
      expectApiError(sdk, sdk.AuthenticationError, 401, () => runs.list({ limit: 1 }, NO_RETRY)),
    );
    await auth.withAuth({ secretKey: bad }, () =>
      expectApiError(sdk, sdk.AuthenticationError, 401, () => runs.retrieve(state.A, NO_RETRY)),
    );
    await auth.withAuth({ secretKey: bad }, () =>
      expectApiError(sdk, sdk.AuthenticationError, 401, () => tasks.trigger(MISC_TASK, {}, undefined, NO_RETRY)),
    );
    return { status: seen.status, class: seen.class };
  }, ["A"]);

  // A run submitted natively without a key belongs to `default`: a key of `default` lists and retrieves it.
  await check("keylessNativeRun", async () =>
    auth.withAuth({ secretKey: defaultKey }, async () => {
      const listed = await collect(runs);
      const found = listed.find((run) => run.id === keylessRun);
      assert.ok(found, `runs.list() with a default key: ${keylessRun} is not among the ${listed.length} runs listed`);
      assert.equal(found.taskIdentifier, keylessJob);
      assert.equal(found.env.name, "default");
      const retrieved = await runs.retrieve(keylessRun);
      assert.equal(retrieved.id, keylessRun);
      assert.equal(retrieved.taskIdentifier, keylessJob);
      return { listed: found.id, retrieved: retrieved.id, taskIdentifier: retrieved.taskIdentifier, env: found.env.name };
    }),
  );

  await batchChecks({ sdk, check, state, suffix, label, defineTask, collect, baseUrl });
  await bulkChecks({ sdk, check, suffix, label, defineTask, collect, baseUrl });
  await runOptionChecks({ sdk, core, check, state, suffix, label, defineTask, expectApiError, baseUrl, workerBaseUrl, workerKey });
  await scheduled.finish();

  summary.runs = { A: state.A, B: state.B, C: state.C, D: state.D, R: state.R, other: state.other, many: state.many?.length ?? 0 };
  summary.ms = Date.now() - started;
  summary.ok = summary.failed.length === 0;
  console.log(JSON.stringify(summary, null, 2));
  process.exitCode = summary.ok ? 0 : 1;
}
