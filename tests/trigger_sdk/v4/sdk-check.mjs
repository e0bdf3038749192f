// runyard vs the official @trigger.dev/sdk 4.x line (pinned in package-lock.json).
// Usage: npm ci && BASE_URL=http://127.0.0.1:PORT SECRET_KEY=... OTHER_ENV_KEY=... \
//   DEFAULT_ENV_KEY=... KEYLESS_RUN_ID=... KEYLESS_RUN_JOB=... ADMIN_KEY=... WORKER_BASE_URL=... WORKER_SECRET_KEY=... node sdk-check.mjs
// The checks themselves live in ../common/sdk-check.mjs.
import { createRequire } from "node:module";
import * as sdk from "@trigger.dev/sdk";
import * as core from "@trigger.dev/core/v3";
import { main } from "../common/sdk-check.mjs";

const { version } = createRequire(import.meta.url)("@trigger.dev/sdk/package.json");
await main(sdk, "v4", version, core);
