import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real Debian `redis-server` for the multi-instance tests: a free loopback port, its own data folder,
 * append-only persistence with fsync on every write (so "acknowledged" means "on disk" across a restart).
 * `restart()` stops it (SIGTERM: Redis flushes and exits) and starts it again on the same port and folder.
 */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  restart(): Promise<void>;
  /** SIGKILL, no restart: what a crash looks like to the gateways. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** `always` (default) or `everysec`. */
  appendfsync?: "always" | "everysec";
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), "viben-redis-"));
  let port = 0;
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      if (port === 0 || attempt > 0) port = await freePort();
      try {
        child = await runRedis(port, dir, options.appendfsync ?? "always");
        return;
      } catch (error) {
        // Another process took the port between finding it and binding it: try another one.
        if (attempt >= 4 || !/Address already in use/i.test((error as Error).message)) throw error;
      }
    }
  };
  const relaunchSamePort = async (): Promise<void> => {
    child = await runRedis(port, dir, options.appendfsync ?? "always");
  };
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill(signal);
    await exited;
  };
  await launch();
  return {
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    dir,
    restart: async () => {
      await stopWith("SIGTERM");
      await relaunchSamePort();
    },
    kill: () => stopWith("SIGKILL"),
    start: relaunchSamePort,
    stop: async () => {
      await stopWith("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function runRedis(port: number, dir: string, appendfsync: string): Promise<ChildProcess> {
  // setpriv (util-linux) gives the server a parent-death signal: a test process (or worker thread) that
  // ends without its teardown, killed or timed out, takes its Redis with it instead of leaking it.
  const child = spawn(
    "setpriv",
    [
      "--pdeathsig",
      "KILL",
      "redis-server",
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      appendfsync,
      "--save",
      "",
      "--protected-mode",
      "yes",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        child.off("exit", onExit);
        resolve(child);
      }
    };
    const onExit = () =>
      reject(new Error(`redis-server exited before it was ready:\n${output.slice(-2000)}`));
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", onExit);
    child.once("error", reject);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
