// Triggers runs through the official SDK with a queue and, optionally, concurrency keys, and prints
// their ids as JSON: tests/trigger_sdk/test_trigger_sdk.py then watches how many run at once.
//   BASE_URL, SECRET_KEY, TASK, QUEUE, COUNT, KEYS (comma-separated concurrency keys, cycled; optional)
export async function main(sdk) {
  const { configure, tasks } = sdk;
  configure({ baseURL: `${process.env.BASE_URL}/trigger`, secretKey: process.env.SECRET_KEY });
  const keys = (process.env.KEYS ?? "").split(",").filter(Boolean);
  const ids = [];
  for (let i = 0; i < Number(process.env.COUNT); i++) {
    const options = { queue: process.env.QUEUE };
    if (keys.length) options.concurrencyKey = keys[i % keys.length];
    ids.push((await tasks.trigger(process.env.TASK, { i }, options)).id);
  }
  console.log(JSON.stringify(ids));
}
