// common/queue-trigger.mjs with the SDK 4.x line.
import * as sdk from "@trigger.dev/sdk";
import { main } from "../common/queue-trigger.mjs";

await main(sdk);
