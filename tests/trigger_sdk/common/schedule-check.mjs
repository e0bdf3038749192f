// The schedules checks of sdk-check.mjs: Trigger.dev's `schedules.*` and `runs.list({ schedule })`
// through the official SDK (3.x or 4.x). Schedules are made with an admin key of the environment
// (in runyard only admins decide what runs when); the environment's plain key reads them and is
// refused changing them.

import assert from "node:assert/strict";

const NO_RETRY = { retry: { maxAttempts: 1 } };
const MINUTE = 60_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @param ctx {sdk, check, state, suffix, label, adminKey, defineTask, expectApiError, collect, baseUrl}
 * Returns two steps: `start` makes a schedule due every minute (run it early: the checks in between
 * give it time to fire), `finish` checks everything else and the runs the first schedule fired.
 */
export function scheduleChecks(ctx) {
  const { sdk, check, state, suffix, label, adminKey, defineTask, expectApiError, collect, baseUrl } = ctx;
  const { schedules, runs, auth } = sdk;
  const asAdmin = (fn) => auth.withAuth({ secretKey: adminKey }, fn);
  const TASK = `sdkcheck-${label}-sched-${suffix}`;

  async function start() {
    await check("scheduleCreate", async () => {
      await defineTask(baseUrl, TASK, ["true"]);
      const created = await asAdmin(() =>
        schedules.create({ task: TASK, cron: "* * * * *", deduplicationKey: `minutely-${suffix}`, externalId: "user-7" }),
      );
      assert.match(created.id, /^sched_[0-9a-z]{26}$/);
      assert.equal(created.type, "IMPERATIVE");
      assert.equal(created.task, TASK);
      assert.equal(created.active, true);
      assert.deepEqual(created.generator, { type: "CRON", expression: "* * * * *", description: "Every minute" });
      assert.equal(created.timezone, "UTC");
      assert.equal(created.externalId, "user-7");
      assert.equal(created.deduplicationKey, `minutely-${suffix}`);
      assert.ok(created.nextRun instanceof Date, "nextRun is a Date");
      const inMs = created.nextRun.getTime() - Date.now();
      assert.ok(inMs > 0 && inMs <= MINUTE, `nextRun within a minute: ${created.nextRun.toISOString()}`);
      assert.equal(created.nextRun.getUTCSeconds(), 0, "due on the minute");
      assert.equal(created.environments.length, 1);
      assert.equal(created.environments[0].type, "DEVELOPMENT", "the dev environment");
      state.minutely = created.id;
      state.minutelyCreated = Date.now();
      return { id: created.id, type: created.type };
    });
  }

  async function finish() {
    await check("scheduleDeduplicate", async () => {
      const key = `weekdays-${suffix}`;
      const first = await asAdmin(() =>
        schedules.create({ task: TASK, cron: "0 9 * * 1-5", timezone: "Europe/Berlin", deduplicationKey: key }),
      );
      const again = await asAdmin(() =>
        schedules.create({ task: TASK, cron: "0 10 * * 1-5", timezone: "Europe/Berlin", deduplicationKey: key }),
      );
      assert.equal(again.id, first.id, "the same deduplicationKey updates that schedule");
      assert.equal(again.generator.expression, "0 10 * * 1-5");
      assert.equal(again.generator.description, "At 10:00 AM, Monday through Friday");
      const hour = again.nextRun.getUTCHours();
      assert.ok(hour === 8 || hour === 9, `10:00 in Berlin is 08:00 or 09:00 UTC, not ${again.nextRun.toISOString()}`);
      state.weekdays = first.id;
      state.weekdaysKey = key;
      return { id: first.id };
    }, ["minutely"]);

    await check("scheduleRetrieve", async () => {
      const byId = await schedules.retrieve(state.weekdays); // the environment's plain key reads schedules
      assert.equal(byId.id, state.weekdays);
      assert.equal(byId.task, TASK);
      assert.equal(byId.timezone, "Europe/Berlin");
      assert.equal(byId.active, true);
      const byKey = await schedules.retrieve(state.weekdaysKey);
      assert.equal(byKey.id, state.weekdays, "retrieve by deduplication key");
      return { id: byId.id };
    }, ["weekdays"]);

    await check("scheduleList", async () => {
      const page = await schedules.list({ perPage: 1 });
      assert.equal(page.data.length, 1);
      assert.ok(page.pagination.count >= 2, `count ${page.pagination.count}`);
      assert.equal(page.pagination.totalPages, page.pagination.count);
      const listed = [];
      for await (const schedule of schedules.list({ perPage: 1 })) listed.push(schedule.id);
      assert.ok(listed.includes(state.minutely) && listed.includes(state.weekdays), `both schedules listed: ${listed}`);
      assert.equal(new Set(listed).size, listed.length, "no schedule listed twice");
      assert.ok(listed.indexOf(state.weekdays) < listed.indexOf(state.minutely), "newest first");
      return { listed: listed.length };
    }, ["minutely", "weekdays"]);

    await check("scheduleUpdate", async () => {
      const updated = await asAdmin(() =>
        schedules.update(state.weekdays, { task: TASK, cron: "30 6 * * *", timezone: "America/New_York", externalId: "user-8" }),
      );
      assert.equal(updated.id, state.weekdays);
      assert.equal(updated.generator.expression, "30 6 * * *");
      assert.equal(updated.timezone, "America/New_York");
      assert.equal(updated.externalId, "user-8");
      const hour = updated.nextRun.getUTCHours();
      assert.ok(hour === 10 || hour === 11, `6:30 in New York: ${updated.nextRun.toISOString()}`);
      return { expression: updated.generator.expression };
    }, ["weekdays"]);

    await check("scheduleDeactivateActivate", async () => {
      const off = await asAdmin(() => schedules.deactivate(state.weekdays));
      assert.equal(off.active, false);
      assert.ok(off.nextRun === null || off.nextRun === undefined, "no next run while inactive");
      assert.equal((await schedules.retrieve(state.weekdays)).active, false);
      const on = await asAdmin(() => schedules.activate(state.weekdays));
      assert.equal(on.active, true);
      assert.ok(on.nextRun instanceof Date);
      return { deactivated: off.active, activated: on.active };
    }, ["weekdays"]);

    await check("scheduleAdminOnly", async () => {
      const seen = await expectApiError(sdk, sdk.PermissionDeniedError, 403, () =>
        schedules.create({ task: TASK, cron: "* * * * *", deduplicationKey: `plain-${suffix}` }, NO_RETRY),
      );
      await expectApiError(sdk, sdk.PermissionDeniedError, 403, () => schedules.deactivate(state.weekdays, NO_RETRY));
      await expectApiError(sdk, sdk.PermissionDeniedError, 403, () => schedules.del(state.weekdays, NO_RETRY));
      return { status: seen.status, class: seen.class };
    }, ["weekdays"]);

    await check("scheduleInvalid", async () => {
      const cases = {
        cron: { task: TASK, cron: "0 25 * * *", deduplicationKey: `bad-${suffix}` },
        timezone: { task: TASK, cron: "0 9 * * *", timezone: "Mars/Olympus", deduplicationKey: `bad-${suffix}` },
        task: { task: `no-such-task-${suffix}`, cron: "0 9 * * *", deduplicationKey: `bad-${suffix}` },
        never: { task: TASK, cron: "0 0 30 2 *", deduplicationKey: `bad-${suffix}` },
      };
      const messages = {};
      for (const [what, options] of Object.entries(cases)) {
        const seen = await asAdmin(() => expectApiError(sdk, sdk.UnprocessableEntityError, 422, () => schedules.create(options, NO_RETRY)));
        messages[what] = seen.message;
      }
      assert.match(messages.cron, /hour field/);
      assert.match(messages.timezone, /Invalid IANA timezone: 'Mars\/Olympus'/);
      assert.match(messages.task, /Task with identifier no-such-task-/);
      assert.match(messages.never, /never fires/);
      const listed = [];
      for await (const schedule of schedules.list({ perPage: 100 })) listed.push(schedule.deduplicationKey);
      assert.ok(!listed.includes(`bad-${suffix}`), "nothing stored");
      return { checked: Object.keys(messages).length };
    }, ["minutely"]);

    await check("scheduleDelete", async () => {
      const deleted = await asAdmin(() => schedules.del(state.weekdays));
      assert.equal(deleted.id, state.weekdays);
      await expectApiError(sdk, sdk.NotFoundError, 404, () => schedules.retrieve(state.weekdays, NO_RETRY));
      return { id: deleted.id };
    }, ["weekdays"]);

    if (typeof schedules.timezones === "function") {
      await check("timezones", async () => {
        const all = await schedules.timezones();
        const without = await schedules.timezones({ excludeUtc: true });
        assert.equal(all.timezones[0], "UTC");
        assert.ok(all.timezones.includes("Europe/Berlin") && all.timezones.includes("America/New_York"));
        assert.ok(!without.timezones.includes("UTC"));
        assert.equal(without.timezones.length, all.timezones.length - 1);
        return { zones: all.timezones.length };
      });
    }

    // The minutely schedule has had the other checks' time to fire; wait for its first run if not.
    await check("scheduleRuns", async () => {
      let fired = await collect(runs, { schedule: state.minutely });
      const deadline = state.minutelyCreated + MINUTE + 15_000;
      while (fired.length === 0 && Date.now() < deadline) {
        await sleep(1000);
        fired = await collect(runs, { schedule: state.minutely });
      }
      assert.ok(fired.length >= 1, `no run of ${state.minutely} within a minute and 15 s`);
      for (const run of fired) assert.equal(run.taskIdentifier, TASK);
      const all = await collect(runs, { taskIdentifier: [TASK] });
      assert.deepEqual(ids(all).sort(), ids(fired).sort(), "runs.list({ schedule }) lists exactly the schedule's runs");
      const run = await runs.retrieve(fired[0].id);
      assert.equal(run.payload.scheduleId, state.minutely);
      assert.equal(run.payload.type, "IMPERATIVE");
      assert.equal(run.payload.externalId, "user-7");
      assert.equal(run.payload.timezone, "UTC");
      assert.equal(run.payload.upcoming.length, 5);
      assert.equal(new Date(run.payload.timestamp).getUTCSeconds(), 0, "fired for a whole minute");
      assert.equal(run.schedule?.id, state.minutely, "the run shows its schedule");
      assert.equal(run.schedule?.generator?.expression, "* * * * *");
      await asAdmin(() => schedules.del(state.minutely));
      return { fired: fired.length };
    }, ["minutely", "minutelyCreated"]);
  }

  return { start, finish };
}

const ids = (items) => items.map((run) => run.id);
