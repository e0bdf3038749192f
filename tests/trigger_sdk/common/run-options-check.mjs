// The run options and run calls of sdk-check.mjs through the official SDK (3.x or 4.x): metadata
// (at trigger, the metadata endpoints, the size limit, and a running job's own ::metadata lines seen
// live), tags.add, runs.reschedule, idempotencyKeyTTL and idempotencyKeys.reset. tags.add and the
// metadata calls work only inside a Trigger.dev task, so these checks call them as those functions
// do: through the SDK's own API client (apiClientManager.clientOrThrow()), the same requests, answers
// and error classes.

import assert from "node:assert/strict";

const NO_RETRY = { retry: { maxAttempts: 1 } };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @param ctx {sdk, core, check, state, suffix, label, defineTask, expectApiError, baseUrl, workerBaseUrl, workerKey}
 *   core: the line's @trigger.dev/core/v3 module; workerBaseUrl/workerKey: a server whose workers run jobs.
 */
export async function runOptionChecks(ctx) {
  const { sdk, core, check, state, suffix, label, defineTask, expectApiError, baseUrl, workerBaseUrl, workerKey } = ctx;
  const { runs, tasks, auth } = sdk;
  const client = () => core.apiClientManager.clientOrThrow();
  const TASK = `sdkcheck-${label}-opts-${suffix}`;

  await check("metadataAtTrigger", async () => {
    await defineTask(baseUrl, TASK, ["true"]);
    const { id } = await tasks.trigger(TASK, { n: 1 }, { metadata: { user: "u-1", progress: 0 } });
    const run = await runs.retrieve(id);
    assert.deepEqual(run.metadata, { user: "u-1", progress: 0 });
    state.metadataRun = id;
    return { metadata: run.metadata };
  });

  await check("metadataOperations", async () => {
    const id = state.metadataRun;
    const answer = await client().updateRunMetadata(id, {
      operations: [
        { type: "set", key: "status", value: "resizing" },
        { type: "increment", key: "progress", value: 0.5 },
        { type: "append", key: "log", value: "step 1" },
        { type: "append", key: "log", value: "step 2" },
        { type: "remove", key: "log", value: "step 1" },
        { type: "set", key: "$.nested.deep", value: true },
      ],
    });
    const expected = { user: "u-1", progress: 0.5, status: "resizing", log: ["step 2"], nested: { deep: true } };
    assert.deepEqual(answer.metadata, expected);
    assert.deepEqual((await runs.retrieve(id)).metadata, expected, "retrieve shows the changed metadata");
    assert.deepEqual((await client().getRunMetadata(id)).metadata, expected, "the metadata endpoint too");
    return { keys: Object.keys(answer.metadata).length };
  }, ["metadataRun"]);

  await check("metadataTooLarge", async () => {
    const seen = await expectApiError(sdk, sdk.ApiError, 413, () =>
      client().updateRunMetadata(state.metadataRun, { operations: [{ type: "set", key: "big", value: "x".repeat(300 * 1024) }] }, NO_RETRY),
    );
    assert.match(seen.message, /Metadata exceeds maximum size of 262144 bytes/);
    assert.equal((await runs.retrieve(state.metadataRun)).metadata.big, undefined, "nothing changed");
    return { status: seen.status };
  }, ["metadataRun"]);

  await check("tagsAdd", async () => {
    const { id } = await tasks.trigger(TASK, {}, { tags: [`first-${suffix}`] });
    const added = await client().addTags(id, { tags: [`second-${suffix}`, `third-${suffix}`, `first-${suffix}`] });
    assert.equal(added.message, "Successfully set 2 new tags.");
    const run = await runs.retrieve(id);
    assert.deepEqual([...run.tags].sort(), [`first-${suffix}`, `second-${suffix}`, `third-${suffix}`].sort());
    const many = Array.from({ length: 8 }, (_, i) => `more-${i}-${suffix}`);
    const refused = await expectApiError(sdk, sdk.UnprocessableEntityError, 422, () => client().addTags(id, { tags: many }, NO_RETRY));
    assert.match(refused.message, /Runs can only have 10 tags, you're trying to set 11/);
    await expectApiError(sdk, sdk.BadRequestError, 400, () => client().addTags(id, { tags: ["x".repeat(129)] }, NO_RETRY));
    assert.equal((await runs.retrieve(id)).tags.length, 3, "nothing added past the limit");
    return { added: 2, limit: refused.status };
  });

  await check("reschedule", async () => {
    const delayed = await tasks.trigger(TASK, {}, { delay: "1h" });
    const moved = await runs.reschedule(delayed.id, { delay: "2h" });
    assert.equal(moved.id, delayed.id);
    assert.equal(moved.status, "DELAYED");
    const inSeconds = (moved.delayedUntil.getTime() - Date.now()) / 1000;
    assert.ok(inSeconds > 7000 && inSeconds <= 7200, `delayedUntil ~2h ahead: ${moved.delayedUntil.toISOString()}`);
    const at = new Date(Date.now() + 3 * 3600_000);
    const movedAt = await runs.reschedule(delayed.id, { delay: at });
    assert.ok(Math.abs(movedAt.delayedUntil.getTime() - at.getTime()) < 2000, "a Date delay");
    const queued = await tasks.trigger(TASK, {});
    const refused = await expectApiError(sdk, sdk.BadRequestError, 400, () => runs.reschedule(queued.id, { delay: "1h" }, NO_RETRY));
    assert.match(refused.message, /Cannot reschedule a run that is not delayed/);
    return { status: moved.status, refused: refused.status };
  });

  await check("idempotencyKeyTTL", async () => {
    const key = `ttl-${suffix}`;
    const first = await tasks.trigger(TASK, { n: 1 }, { idempotencyKey: key, idempotencyKeyTTL: "1s" });
    const again = await tasks.trigger(TASK, { n: 2 }, { idempotencyKey: key, idempotencyKeyTTL: "1s" });
    assert.equal(again.id, first.id, "within the TTL the key returns the run");
    await sleep(1500);
    const after = await tasks.trigger(TASK, { n: 3 }, { idempotencyKey: key, idempotencyKeyTTL: "1s" });
    assert.notEqual(after.id, first.id, "after the TTL the key makes a new run");
    return { expired: true };
  });

  if (typeof sdk.idempotencyKeys?.reset === "function") {
    await check("idempotencyKeyReset", async () => {
      const key = await sdk.idempotencyKeys.create(`reset-${suffix}`, { scope: "global" });
      const first = await tasks.trigger(TASK, {}, { idempotencyKey: key });
      assert.equal((await tasks.trigger(TASK, {}, { idempotencyKey: key })).id, first.id);
      const reset = await sdk.idempotencyKeys.reset(TASK, key);
      assert.equal(typeof reset.id, "string");
      const after = await tasks.trigger(TASK, {}, { idempotencyKey: key });
      assert.notEqual(after.id, first.id, "after a reset the key makes a new run");
      await expectApiError(sdk, sdk.NotFoundError, 404, () => sdk.idempotencyKeys.reset(`no-such-task-${suffix}`, key, undefined, NO_RETRY));
      return { reset: true };
    });
  }

  // A running job changes its own metadata (::metadata lines); the SDK sees it live.
  await check("metadataWhileRunning", async () => {
    const script = [
      "import time",
      `print('::metadata {"type": "set", "key": "stage", "value": "working"}', flush=True)`,
      "time.sleep(4)",
      `print('::metadata [{"type": "set", "key": "stage", "value": "done"}, {"type": "increment", "key": "items", "value": 3}]', flush=True)`,
    ].join("\n");
    await defineTask(workerBaseUrl, TASK, ["python3", "-c", script]);
    return auth.withAuth({ secretKey: workerKey, baseURL: `${workerBaseUrl}/trigger` }, async () => {
      const { id } = await tasks.trigger(TASK, {});
      let seenWhileRunning;
      const deadline = Date.now() + 60_000;
      let run;
      while (Date.now() < deadline) {
        run = await runs.retrieve(id);
        if (run.status === "EXECUTING" && run.metadata?.stage === "working") seenWhileRunning = run.metadata;
        if (run.isCompleted) break;
        await sleep(250);
      }
      assert.deepEqual(seenWhileRunning, { stage: "working" }, "the job's metadata while it ran");
      assert.equal(run.status, "COMPLETED", `finished: ${run.status}`);
      assert.deepEqual(run.metadata, { stage: "done", items: 3 });
      return { whileRunning: seenWhileRunning.stage, after: run.metadata.stage };
    });
  });

  // maxDuration stops a run that runs longer (runyard's minimum, as Trigger.dev's, is 5 s).
  await check("maxDuration", async () => {
    const LONG = `${TASK}-long`;
    await defineTask(workerBaseUrl, LONG, ["python3", "-c", "import time; time.sleep(60)"]);
    return auth.withAuth({ secretKey: workerKey, baseURL: `${workerBaseUrl}/trigger` }, async () => {
      const started = Date.now();
      const { id } = await tasks.trigger(LONG, {}, { maxDuration: 5 });
      let run;
      while (Date.now() - started < 45_000) {
        run = await runs.retrieve(id);
        if (run.isCompleted) break;
        await sleep(250);
      }
      assert.equal(run.status, "TIMED_OUT", `stopped by maxDuration: ${run.status}`);
      const seconds = (Date.now() - started) / 1000;
      assert.ok(seconds >= 5 && seconds < 40, `after ${seconds} s`);
      return { status: run.status };
    });
  });

  // The worker server has one slot: while a run holds it, the ready runs wait, and the one of the
  // highest priority is claimed first. SDK 3.x has no priority option (it sends none).
  if (label !== "v3") await check("priority", async () => {
    const HOLD = `${TASK}-hold`;
    const QUICK = `${TASK}-quick`;
    await defineTask(workerBaseUrl, HOLD, ["python3", "-c", "import time; time.sleep(2)"]);
    await defineTask(workerBaseUrl, QUICK, ["true"]);
    return auth.withAuth({ secretKey: workerKey, baseURL: `${workerBaseUrl}/trigger` }, async () => {
      // Both must be waiting while the slot is busy: if the hold ended before both were in (this
      // server's slot is shared with the other SDK line's checks), the scenario is tried again.
      let low;
      let high;
      for (let attempt = 0; attempt < 3; attempt++) {
        const hold = await tasks.trigger(HOLD, {});
        while ((await runs.retrieve(hold.id)).status !== "EXECUTING") await sleep(100);
        low = await tasks.trigger(QUICK, { p: "low" }, { priority: 1 });
        high = await tasks.trigger(QUICK, { p: "high" }, { priority: 100 });
        const [lowNow, highNow] = [await runs.retrieve(low.id), await runs.retrieve(high.id)];
        if ((await runs.retrieve(hold.id)).status === "EXECUTING" && lowNow.status === "QUEUED" && highNow.status === "QUEUED") break;
        low = high = undefined;
      }
      assert.ok(low && high, "could not get both runs waiting behind a busy slot");
      const started = {};
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && Object.keys(started).length < 2) {
        for (const [name, handle] of [["low", low], ["high", high]]) {
          const run = await runs.retrieve(handle.id);
          if (run.startedAt && !started[name]) started[name] = run.startedAt.getTime();
        }
        await sleep(100);
      }
      assert.ok(started.high && started.low, `both started: ${JSON.stringify(started)}`);
      assert.ok(started.high <= started.low, `the higher priority started first: ${JSON.stringify(started)}`);
      return { highFirst: true };
    });
  });
}
