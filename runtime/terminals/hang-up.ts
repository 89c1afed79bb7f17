import { anyAlive, processTree, signalGroup, signalProcesses } from "../runs/process-tree.js";

const POLL_MS = 25;

function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Ends a terminal the way closing a terminal window does (SIGHUP), then SIGKILLs whatever is left after
 * `graceMs`. The PTY's child leads its own session and process group, but an interactive shell puts each
 * job in a group of its own and a program may start a new session, so the descendants are listed through
 * /proc first and signalled one by one as well. Resolves once the terminal's own process has exited.
 */
export async function hangUpTerminal(pid: number, exited: Promise<unknown>, graceMs = 500): Promise<void> {
  // Taken before signalling: a child whose parent dies is re-parented and can no longer be found from it.
  const tree = await processTree(pid);
  signalGroup(pid, "SIGHUP");
  await signalProcesses(tree, "SIGHUP");
  const deadline = Date.now() + graceMs;
  const leftovers = tree.filter((id) => id.pid !== pid);
  let done = await settledWithin(exited, graceMs);
  while (done && Date.now() < deadline && (await anyAlive(leftovers))) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  if (!done || (await anyAlive(leftovers))) {
    const late = done ? [] : await processTree(pid);
    signalGroup(pid, "SIGKILL");
    await signalProcesses([...tree, ...late], "SIGKILL");
    if (!done) done = await settledWithin(exited, 5_000);
  }
}
