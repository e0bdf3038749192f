// Bulk actions through the official SDK 4.x (3.x has no runs.bulk): a bulk cancel over 1,000 runs
// by filter, polled to its end, each run listed once by runs.list({ bulkAction }); a bulk replay by
// ids; retrieve, list and abort (409 once it has completed).

import assert from "node:assert/strict";

const NO_RETRY = { retry: { maxAttempts: 1 } };
const RUNS = 1000;

export async function bulkChecks(ctx) {
  const { sdk, check, suffix, label, defineTask, collect, baseUrl } = ctx;
  const { runs, tasks } = sdk;
  if (!runs.bulk) return; // SDK 3.x
  const TASK = `sdkcheck-${label}-bulk-${suffix}`;

  await check("bulkCancelByFilter", async () => {
    await defineTask(baseUrl, TASK, ["true"]);
    const items = Array.from({ length: 500 }, (_, i) => ({ payload: { i } }));
    await tasks.batchTrigger(TASK, items);
    await tasks.batchTrigger(TASK, items);
    const { id } = await runs.bulk.cancel({ filter: { taskIdentifier: TASK, status: ["QUEUED"] }, name: `sweep-${suffix}` });
    assert.match(id, /^bulk_[0-9a-z]{26}$/);
    const done = await runs.bulk.poll(id, { pollIntervalMs: 250 });
    assert.equal(done.status, "COMPLETED");
    assert.equal(done.type, "CANCEL");
    assert.deepEqual(done.counts, { total: RUNS, success: RUNS, failure: 0 });
    const touched = await collect(runs, { bulkAction: id, limit: 100 });
    assert.equal(touched.length, RUNS);
    assert.equal(new Set(touched.map((run) => run.id)).size, RUNS, "each run listed once");
    assert.ok(touched.every((run) => run.status === "CANCELED"));
    const left = await collect(runs, { taskIdentifier: [TASK], status: ["QUEUED"] });
    assert.equal(left.length, 0, "none of the task's runs left queued");
    const refused = await sdk.auth.withAuth({}, () => runs.bulk.abort(id, NO_RETRY).then(() => null, (error) => error));
    assert.ok(refused instanceof sdk.ConflictError, `abort after completion: ${refused?.constructor?.name} ${refused?.status}`);
    return { total: done.counts.total, listed: touched.length };
  });

  await check("bulkReplayByIds", async () => {
    const originals = await Promise.all([0, 1, 2].map((i) => tasks.trigger(TASK, { replay: i })));
    const { id } = await runs.bulk.replay({ runIds: originals.map((run) => run.id) });
    const done = await runs.bulk.poll(id, { pollIntervalMs: 250 });
    assert.deepEqual(done.counts, { total: 3, success: 3, failure: 0 });
    const made = await collect(runs, { bulkAction: id });
    assert.equal(made.length, 3);
    assert.ok(made.every((run) => !originals.some((o) => o.id === run.id)), "replays are new runs");
    const listed = await runs.bulk.list({ limit: 10 });
    assert.ok(listed.data.some((action) => action.id === id), "runs.bulk.list shows it");
    const retrieved = await runs.bulk.retrieve(id);
    assert.equal(retrieved.type, "REPLAY");
    return { replayed: made.length };
  });
}
