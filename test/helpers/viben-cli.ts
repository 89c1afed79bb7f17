import { spawn } from "node:child_process";
import { cp, mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface VibenPackage {
  /** The copied bin/viben.mjs, run as a global install would run it. */
  bin: string;
  root: string;
  cleanup(): Promise<void>;
}

/**
 * Builds the gateway and the CLI into a folder of their own and lays them out as an installed package
 * (bin/viben.mjs beside dist/, no sources): tests never race each other, or a developer, over dist/. Its
 * node_modules resolve from the clone's, as the folder lies inside it.
 */
export async function buildVibenPackage(): Promise<VibenPackage> {
  const root = join(ROOT, "node_modules/.cache", `viben-cli-test-${process.pid}-${Date.now()}`);
  await mkdir(join(root, "bin"), { recursive: true });
  const build = await runProcess(
    process.execPath,
    ["scripts/build.mjs", "--force", "--out", join(root, "dist")],
    {
      cwd: ROOT,
    },
  );
  if (build.code !== 0) throw new Error(`build failed: ${build.stderr}`);
  await cp(join(ROOT, "bin/viben.mjs"), join(root, "bin/viben.mjs"));
  await cp(join(ROOT, "package.json"), join(root, "package.json"));
  return {
    bin: join(root, "bin/viben.mjs"),
    root,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.once("error", fail);
    child.once("close", (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** Runs `viben <args>` with a clean environment: HOME, PATH and what the test adds. */
export function viben(
  pkg: VibenPackage,
  args: readonly string[],
  options: { home: string; env?: Record<string, string | undefined>; input?: string },
): Promise<CliResult> {
  return runProcess(process.execPath, [pkg.bin, ...args], {
    cwd: options.home,
    env: { PATH: process.env.PATH ?? "", HOME: options.home, ...options.env },
    ...(options.input === undefined ? {} : { input: options.input }),
  });
}
