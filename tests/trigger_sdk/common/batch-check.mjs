// The batch checks of sdk-check.mjs through the official SDK: tasks.batchTrigger of 500 items (4.x:
// a batch, then its items as NDJSON; 3.x: one request), each run listed exactly once by
// runs.list({ batch }); batch.trigger and batch.triggerByTask with per-item options; batch.retrieve.

import assert from "node:assert/strict";

const BATCH_SIZE = 500;

export async function batchChecks(ctx) {
  const { sdk, check, state, suffix, label, defineTask, collect, baseUrl } = ctx;
  const { tasks, runs, batch } = sdk;
  const TASK = `sdkcheck-${label}-batch-${suffix}`;

  await check("batchTrigger500", async () => {
    await defineTask(baseUrl, TASK, ["true"]);
    const items = Array.from({ length: BATCH_SIZE }, (_, i) => ({ payload: { i }, options: i === 7 ? { tags: [`seven-${suffix}`] } : undefined }));
    const handle = await tasks.batchTrigger(TASK, items);
    assert.match(handle.batchId, /^batch_[0-9a-z]{26}$/);
    const listed = await collect(runs, { batch: handle.batchId, limit: 100 });
    const unique = new Set(listed.map((run) => run.id));
    assert.equal(listed.length, BATCH_SIZE, "every item is a run");
    assert.equal(unique.size, BATCH_SIZE, "each run listed once");
    assert.ok(listed.every((run) => run.taskIdentifier === TASK));
    const tagged = await collect(runs, { tag: [`seven-${suffix}`] });
    assert.equal(tagged.length, 1, "an item's own tags");
    assert.deepEqual((await runs.retrieve(tagged[0].id)).payload, { i: 7 });
    const retrieved = await batch.retrieve(handle.batchId);
    assert.equal(retrieved.id, handle.batchId);
    assert.equal(retrieved.status, "COMPLETED");
    assert.equal(retrieved.runCount, BATCH_SIZE);
    if (retrieved.runs) assert.deepEqual(new Set(retrieved.runs), unique, "the batch's runs");
    state.batchId = handle.batchId;
    return { listed: listed.length, unique: unique.size, status: retrieved.status };
  });

  await check("batchTriggerById", async () => {
    const handle = await batch.trigger([
      { id: TASK, payload: { n: 1 } },
      { id: TASK, payload: { n: 2 }, options: { delay: "1h", tags: [`delayed-${suffix}`] } },
      { id: TASK, payload: { n: 3 }, options: { idempotencyKey: `bi-${suffix}` } },
    ]);
    const listed = await collect(runs, { batch: handle.batchId });
    assert.equal(listed.length, 3);
    const delayed = listed.find((run) => run.tags.includes(`delayed-${suffix}`));
    assert.equal(delayed.status, "DELAYED", "an item's own delay");
    return { runs: listed.length };
  });

  if (typeof sdk.task === "function") {
    await check("batchTriggerByTask", async () => {
      const myTask = sdk.task({ id: TASK, run: async () => undefined });
      const handle = await batch.triggerByTask([
        { task: myTask, payload: { n: 1 } },
        { task: myTask, payload: { n: 2 }, options: { tags: [`bytask-${suffix}`] } },
      ]);
      const listed = await collect(runs, { batch: handle.batchId });
      assert.equal(listed.length, 2);
      assert.equal(listed.filter((run) => run.tags.includes(`bytask-${suffix}`)).length, 1);
      return { runs: listed.length };
    });
  }
}
