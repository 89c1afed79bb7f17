import { availableParallelism } from "node:os";
import { benchCron, printCronBench } from "./cron.js";
import { benchFanout, printFanout } from "./fanout.js";
import { benchFoundation, printTable, summariseFoundation } from "./foundation.js";
import { describeMachine, watchMachine } from "./machine.js";
import { benchEventPaths, printEventPaths } from "./multi-instance.js";
import { benchNative, printNative } from "./native.js";
import { benchQueue, printQueueBench } from "./queue.js";
import { benchQueueInstances, printQueueInstances } from "./queue-instances.js";
import { benchSessionLog } from "./session-log.js";
import { benchSpawnLatency } from "./spawn-latency.js";
import { benchStartup, printStartup } from "./startup.js";
import { benchTerminal, printTerminal } from "./terminal.js";
import { benchWorkerColdStart, printWorkerColdStart } from "./worker.js";

/**
 * `npm run bench [-- --quick] [-- seconds] [-- --only health]`: every figure beside its baseline, measured
 * in the same run. `--quick` shortens every part (1 s of load, one start, fewer jobs) for a look during
 * development; the README's figures come from a full run on a quiet machine. `--only health` measures just
 * GET /health beside bare node:http (seconds apply), and `--only queue` just the queue beside direct
 * spawning (`--quick`: fewer jobs), `--only events` events across instances on one Redis beside the
 * in-process bus, for working on one figure.
 */
const quick = process.argv.includes("--quick");
const seconds = process.argv.slice(2).find((arg) => /^\d+$/.test(arg));
const duration = Number(seconds ?? (quick ? 1 : 5));
const only = process.argv[process.argv.indexOf("--only") + 1];
if (process.argv.includes("--only") && only !== "health" && only !== "queue" && only !== "events")
  throw new Error(`--only ${only ?? ""}: the parts that run alone are 'health', 'queue' and 'events'`);
const machine = watchMachine(availableParallelism());
console.log(quick ? "Quick run (--quick): short measurements, rough figures.\n" : "");

if (only === "health") {
  const rows = await benchFoundation(duration, { agents: false });
  console.log(`GET /health (${duration}s each, autocannon)\n`);
  printTable(rows);
  for (const line of summariseFoundation(rows)) console.log(line);
  console.log(`\n${describeMachine(machine.stop())}`);
  process.exit(0);
}

if (only === "events") {
  console.log("Events across gateway instances on one Redis (10,000 deltas)\n");
  printEventPaths(await benchEventPaths(quick ? 2_000 : 10_000));
  console.log(`\nQueue across gateway instances on one Redis (concurrency 8 in all, trivial executor)\n`);
  printQueueInstances(await benchQueueInstances(quick ? 100 : 300));
  console.log(`\n${describeMachine(machine.stop())}`);
  process.exit(0);
}

if (only === "queue") {
  console.log("Queue throughput: enqueue → run → done with a trivial fixture executor\n");
  printQueueBench(await benchQueue(quick ? 50 : 200));
  console.log(`\n${describeMachine(machine.stop())}`);
  process.exit(0);
}

console.log("Start-up: process start → first /health 200, and idle memory (npm start's build)\n");
printStartup(await benchStartup(quick ? 1 : 3));

const foundation = await benchFoundation(duration);
console.log(`\nHTTP (${duration}s each, 10 connections unless noted, autocannon)\n`);
printTable(foundation);
console.log("");
for (const line of summariseFoundation(foundation)) console.log(line);

console.log("\nEvent fan-out: 10,000 deltas from one publisher\n");
printFanout(await benchFanout());

const log = await benchSessionLog();
console.log("\nEvents across gateway instances on one Redis\n");
printEventPaths(await benchEventPaths(quick ? 2_000 : 10_000));
console.log(`\nQueue across gateway instances on one Redis (concurrency 8 in all, trivial executor)\n`);
printQueueInstances(await benchQueueInstances(quick ? 100 : 300));

console.log("\nReading the last 50 messages of a session\n");
console.log("| scenario | median ms | p99 ms |\n|---|---|---|");
for (const row of log.rows)
  console.log(`| ${row.label} | ${row.median_ms.toFixed(3)} | ${row.p99_ms.toFixed(3)} |`);
console.log(`100k/1k ratio: ${log.ratio.toFixed(2)} (target < 2) ${log.ratio < 2 ? "OK" : "ABOVE TARGET"}`);

const spawn = await benchSpawnLatency();
console.log(`\nSpawn to first delta with a fixture CLI (${spawn.runs} runs, medians)\n`);
console.log("| path | median ms |\n|---|---|");
console.log(`| fixture CLI run directly | ${spawn.directMedianMs.toFixed(1)} |`);
console.log(
  `| POST /api/agent/:id/spawn → first SSE delta | ${spawn.gatewayMedianMs.toFixed(1)} (p99 ${spawn.gatewayP99Ms.toFixed(1)}) |`,
);
console.log(
  `gateway overhead: ${spawn.overheadMedianMs.toFixed(1)} ms (target < 20 ms) ${spawn.overheadMedianMs < 20 ? "OK" : "ABOVE TARGET"}`,
);

const tokens = quick ? 250 : 1000;
console.log(`\nNative run streaming: stub chunk → delta (${tokens} chunks, one every 4 ms)\n`);
printNative(await benchNative(tokens));

console.log("\nQueue throughput: enqueue → run → done with a trivial fixture executor\n");
printQueueBench(await benchQueue(quick ? 50 : 200));

console.log("\nTerminal echo round trip\n");
printTerminal(await benchTerminal());

console.log("\nCron: 10,000 scheduled jobs on disk beside an empty gateway\n");
printCronBench(await benchCron(quick ? { runs: 1, idleSeconds: 2 } : {}));

console.log("\nCold start to the first /health answer\n");
printWorkerColdStart(await benchWorkerColdStart());

console.log(`\n${describeMachine(machine.stop())}`);
