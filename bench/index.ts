import { benchFoundation, printTable, summariseFoundation } from "./foundation.js";

/** `npm run bench [-- seconds]`: every figure beside its baseline, measured in the same run. */
const duration = Number(process.argv[2] ?? 5);
const foundation = await benchFoundation(duration);
console.log(`\nHTTP (${duration}s each, 10 connections, autocannon)\n`);
printTable(foundation);
console.log("");
for (const line of summariseFoundation(foundation)) console.log(line);
