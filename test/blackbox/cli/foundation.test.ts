import { execFileSync } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../../helpers/gateway-process.js";
import { buildVibenPackage, type VibenPackage, viben } from "../../helpers/viben-cli.js";

let pkg: VibenPackage;
let home: string;

beforeAll(async () => {
  pkg = await buildVibenPackage();
  home = await makeTempHome();
});
afterAll(async () => {
  await pkg?.cleanup();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("the viben command", () => {
  it("prints its version from package.json", async () => {
    const { version } = JSON.parse(await readFile(join(pkg.root, "package.json"), "utf8"));
    const result = await viben(pkg, ["--version"], { home });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it("has --help on the program and its commands, without colour off a terminal", async () => {
    const top = await viben(pkg, ["--help"], { home });
    expect(top.code).toBe(0);
    expect(top.stdout).toContain("completion");
    expect(top.stdout).toContain("--url");
    const sub = await viben(pkg, ["completion", "--help"], { home });
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain("bash, zsh or fish");
    expect(top.stdout + sub.stdout).not.toContain("\u001b[");
  });

  it("generates completion scripts from the command tree; bash accepts the bash one", async () => {
    const bash = await viben(pkg, ["completion", "bash"], { home });
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain("complete -o default -F _viben viben");
    execFileSync("bash", ["-n"], { input: bash.stdout });
    // The completion itself, run the way bash runs it: `viben comp<TAB>` offers `completion`.
    const offered = execFileSync(
      "bash",
      ["-c", `${bash.stdout}\nCOMP_WORDS=(viben comp); COMP_CWORD=1; _viben; echo "\${COMPREPLY[@]}"`],
      { encoding: "utf8" },
    );
    expect(offered.trim()).toBe("completion");
    // Subcommands after their group, options skipped with their values.
    const nested = execFileSync(
      "bash",
      [
        "-c",
        `${bash.stdout}\nCOMP_WORDS=(viben --url http://x gateway st); COMP_CWORD=4; _viben; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: "utf8" },
    );
    expect(nested.trim().split(" ").sort()).toEqual(["start", "status", "stop"]);
    for (const shell of ["zsh", "fish"]) {
      const script = await viben(pkg, ["completion", shell], { home });
      expect(script.code).toBe(0);
      expect(script.stdout).toContain("completion");
    }
  });

  it("names a bad argument and exits non-zero", async () => {
    const result = await viben(pkg, ["completion", "tcsh"], { home });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown shell 'tcsh'");
    const unknown = await viben(pkg, ["no-such-command"], { home });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown command");
  });
});
