import { type ChildProcess, spawn } from "node:child_process";
import type { HelperMessage, HelperTransport } from "./spawn-helper-types.js";

/** The helper's whole program (`node -e`): nothing to resolve on disk, in the sources or the bundle. */
const NODE_HELPER_SOURCE = `
const { spawn } = require("node:child_process");
const children = new Map();
const idleMs = Number(process.argv[1]);
let idle;
const rest = () => { if (children.size === 0) idle = setTimeout(() => process.exit(0), idleMs); };
const send = (message) => { if (process.connected) process.send(message); };
process.on("disconnect", () => process.exit(0));
process.on("message", (m) => {
  if (m.t === "spawn") {
    clearTimeout(idle);
    let child;
    try {
      child = spawn(m.command, m.args, { cwd: m.cwd, env: m.env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    } catch (error) {
      send({ t: "failed", id: m.id, message: String(error && error.message), code: error && error.code });
      rest();
      return;
    }
    children.set(m.id, child);
    send({ t: "pid", id: m.id, pid: child.pid ?? -1 });
    child.stdin.on("error", () => {});
    child.stdout.on("data", (data) => send({ t: "out", id: m.id, data }));
    child.stderr.on("data", (data) => send({ t: "err", id: m.id, data }));
    child.once("error", (error) => send({ t: "error", id: m.id, message: String(error && error.message), code: error && error.code }));
    child.once("close", (code, signal) => { children.delete(m.id); send({ t: "close", id: m.id, code, signal }); rest(); });
  } else if (m.t === "in") {
    children.get(m.id)?.stdin.write(m.data);
  } else if (m.t === "end") {
    children.get(m.id)?.stdin.end();
  }
});
rest();
`;

/** Starts the Node helper (where no Python is found, or its helper could not start). */
export function startNodeHelper(
  nodePath: string,
  idleExitMs: number,
  onMessage: (message: HelperMessage) => void,
): HelperTransport {
  const env = { ...process.env };
  // The helper is no run's member (it outlives them), and must start as a plain small Node.
  delete env.VIBEN_RUN_COOKIE;
  delete env.NODE_OPTIONS;
  const helper: ChildProcess = spawn(
    nodePath,
    ["--max-semi-space-size=1", "-e", NODE_HELPER_SOURCE, String(idleExitMs)],
    { stdio: ["ignore", "ignore", "inherit", "ipc"], serialization: "advanced", env },
  );
  helper.on("message", onMessage);
  return {
    process: helper,
    send(message) {
      if (!helper.connected) return false;
      try {
        // A failed write means the helper is gone: its 'exit' (or 'error') ends what it ran.
        helper.send(message, () => {});
        return true;
      } catch {
        return false;
      }
    },
    ref: () => helper.channel?.ref(),
    unref: () => helper.channel?.unref(),
  };
}
