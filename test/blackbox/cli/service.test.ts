import { chmod, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../../helpers/gateway-process.js";
import { buildVibenPackage, type VibenPackage, viben } from "../../helpers/viben-cli.js";

let pkg: VibenPackage;
const homes: string[] = [];

beforeAll(async () => {
  pkg = await buildVibenPackage();
});
afterAll(async () => {
  await pkg?.cleanup();
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

const newHome = async () => {
  const home = await makeTempHome("viben-cli-service-");
  homes.push(home);
  return home;
};

// Never the machine's own systemctl: a stand-in that records how it was called.
async function fakeSystemctl(home: string): Promise<{ path: string; calls: () => Promise<string[]> }> {
  const path = join(home, "fake-systemctl");
  const log = join(home, "systemctl-calls");
  await writeFile(path, `#!/bin/sh\necho "$*" >> "${log}"\n`);
  await chmod(path, 0o755);
  return {
    path,
    calls: async () => (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean),
  };
}

describe.runIf(process.platform === "linux")("viben gateway install / uninstall (systemd)", () => {
  it("writes a user unit that runs the gateway and restarts it on failure, then enables it", async () => {
    const home = await newHome();
    const systemctl = await fakeSystemctl(home);
    const result = await viben(pkg, ["gateway", "install", "--port", "18999", "--json"], {
      home,
      env: { VIBEN_SYSTEMCTL: systemctl.path },
    });
    expect(result.code, result.stderr).toBe(0);
    const unitPath = join(home, ".config/systemd/user/viben-gateway.service");
    expect(JSON.parse(result.stdout)).toEqual({
      kind: "systemd",
      path: unitPath,
      enabled: true,
      instructions: [],
    });
    const unit = await readFile(unitPath, "utf8");
    expect(unit).toContain("Restart=on-failure");
    expect(unit).toContain("WantedBy=default.target");
    expect(unit).toMatch(
      new RegExp(
        `^ExecStart="${process.execPath}" "--max-semi-space-size=2" "[^"]+/dist/node\\.js" "--port" "18999"$`,
        "m",
      ),
    );
    expect(unit).toContain(`Environment="HOME=${home}"`);
    expect(unit).toContain(`StandardOutput=append:${join(home, ".viben/logs/gateway.log")}`);
    expect(await systemctl.calls()).toEqual([
      "--user daemon-reload",
      "--user enable --now viben-gateway.service",
    ]);

    const removed = await viben(pkg, ["gateway", "uninstall"], {
      home,
      env: { VIBEN_SYSTEMCTL: systemctl.path },
    });
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`Removed ${unitPath}`);
    await expect(readFile(unitPath)).rejects.toThrow(/ENOENT/);
    expect((await systemctl.calls()).slice(2)).toEqual([
      "--user disable --now viben-gateway.service",
      "--user daemon-reload",
    ]);
  });

  it("with --no-enable, or without systemctl, writes the unit and prints what to run", async () => {
    const home = await newHome();
    const systemctl = await fakeSystemctl(home);
    const noEnable = await viben(pkg, ["gateway", "install", "--no-enable"], {
      home,
      env: { VIBEN_SYSTEMCTL: systemctl.path },
    });
    expect(noEnable.code).toBe(0);
    expect(noEnable.stdout).toContain("systemctl --user enable --now viben-gateway.service");
    expect(await systemctl.calls()).toEqual([]);

    const missing = await viben(pkg, ["gateway", "install"], { home, env: { VIBEN_SYSTEMCTL: "none" } });
    expect(missing.code).toBe(0);
    expect(missing.stdout).toContain("To enable and start it:");
    expect(await readFile(join(home, ".config/systemd/user/viben-gateway.service"), "utf8")).toContain(
      "Restart=on-failure",
    );
  });
});
