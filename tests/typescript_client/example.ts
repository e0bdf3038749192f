// runyard from TypeScript: the types generated from openapi/runyard.yaml (generated/typescript/schema.d.ts)
// with openapi-fetch. Lists runs, submits a run of the built-in `demo` job, polls its status until it
// has finished, reads its result and prints everything as one JSON object.
//
//   npm ci && npx tsc -p . && node build/example.js http://127.0.0.1:8005
//
// Hand-written: only schema.d.ts is generated.

import createClient from "openapi-fetch";
import type { components, paths } from "../../generated/typescript/schema.js";

type RunStatus = components["schemas"]["RunStatus"];
type NativeStatus = components["schemas"]["NativeStatus"];

const FINISHED: readonly NativeStatus[] = ["succeeded", "failed", "cancelled"];
// The server's retry_after is 2 s while queued and 5 s while running; the demo job takes about 3 s,
// so the example polls at least once a second to stay quick.
const MAX_POLL_SECONDS = 1;
const DEADLINE_MS = 60_000;

const baseUrl = process.argv[2] ?? process.env["RUNYARD_URL"] ?? "http://127.0.0.1:8005";
const client = createClient<paths>({ baseUrl });

function fail(what: string, error: unknown, status: number): never {
  throw new Error(`${what} answered ${status}: ${JSON.stringify(error)}`);
}

const sleep = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));

async function main(): Promise<void> {
  const listed = await client.GET("/api/v1/runs", { params: { query: { page: 1, page_size: 10 } } });
  if (listed.data === undefined) fail("GET /api/v1/runs", listed.error, listed.response.status);

  const idempotencyKey = `typescript-example-${Date.now()}`;
  const submitted = await client.POST("/api/v1/runs", {
    params: { header: { "Idempotency-Key": idempotencyKey } },
    body: { job: "demo", input: { topic: "typescript" }, session_id: "typescript-example", tags: ["example"] },
  });
  if (submitted.data === undefined) fail("POST /api/v1/runs", submitted.error, submitted.response.status);
  const jobId = submitted.data.job_id;

  const statuses: NativeStatus[] = [];
  const deadline = Date.now() + DEADLINE_MS;
  let status: RunStatus;
  for (;;) {
    const polled = await client.GET("/api/v1/runs/{job_id}", { params: { path: { job_id: jobId } } });
    if (polled.data === undefined) fail(`GET /api/v1/runs/${jobId}`, polled.error, polled.response.status);
    status = polled.data;
    if (statuses[statuses.length - 1] !== status.status) statuses.push(status.status);
    if (FINISHED.includes(status.status)) break;
    if (Date.now() > deadline) throw new Error(`run ${jobId} is still ${status.status} after ${DEADLINE_MS} ms`);
    await sleep(Math.min(status.retry_after ?? MAX_POLL_SECONDS, MAX_POLL_SECONDS));
  }

  const result = await client.GET("/api/v1/runs/{job_id}/result", { params: { path: { job_id: jobId } } });
  if (result.data === undefined) fail(`GET /api/v1/runs/${jobId}/result`, result.error, result.response.status);

  const after = await client.GET("/api/v1/runs", { params: { query: { session_id: "typescript-example" } } });
  if (after.data === undefined) fail("GET /api/v1/runs", after.error, after.response.status);

  const summary = {
    listedBefore: { total: listed.data.total, page: listed.data.page, page_size: listed.data.page_size, jobs: listed.data.jobs.length },
    submitted: { httpStatus: submitted.response.status, location: submitted.response.headers.get("location"), ...submitted.data },
    statuses,
    final: status,
    result: result.data,
    listedAfter: after.data,
  };
  console.log(JSON.stringify(summary, null, 2));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
