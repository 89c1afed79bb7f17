// Spawns a command N times one after another and prints runs per second: the queue bench's baseline,
// measured in a process of its own so it is never slowed by a gateway that ran in the bench's process.
import { spawn } from "node:child_process";

const [command, runs] = [process.argv[2], Number(process.argv[3])];
const started = performance.now();
for (let i = 0; i < runs; i++) {
  await new Promise((done, fail) => {
    const child = spawn(command, ["-p", "--", "bench"], { stdio: ["ignore", "pipe", "ignore"] });
    child.stdout.resume();
    child.once("error", fail);
    child.once("close", () => done());
  });
}
console.log(runs / ((performance.now() - started) / 1000));
