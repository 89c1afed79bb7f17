import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compileGatewayConfig } from "../../storage/gateway-config.js";

const DIR = resolve(import.meta.dirname, "../../deploy/multi-instance");
const read = (name: string) => readFileSync(join(DIR, name), "utf8");

interface ComposeService {
  environment?: Record<string, string>;
  volumes?: string[];
  command?: string[];
  build?: { context: string; dockerfile: string };
}

/**
 * The docker-compose example of README "Several instances on one Redis" cannot run here (no image
 * registry), so its files are checked against the gateway's own schema and against each other: a setting
 * renamed in the gateway, or an instance added to one file and not the others, fails here.
 */
describe("deploy/multi-instance (three instances, Redis, a reverse proxy)", () => {
  const compose = parse(read("docker-compose.yml")) as { services: Record<string, ComposeService> };
  const gateways = Object.entries(compose.services).filter(([name]) => name.startsWith("gateway-"));

  it("gives every instance a valid gateway.yaml in multi-instance mode, with keys for its wide bind", () => {
    expect(gateways.map(([name]) => name)).toEqual(["gateway-1", "gateway-2", "gateway-3"]);
    const file = parse(read("gateway.yaml")) as Record<string, unknown>;
    for (const [name, service] of gateways) {
      const config = compileGatewayConfig(file, service.environment ?? {});
      expect(config.bind).toBe("0.0.0.0");
      expect(config.apiKeys.length).toBeGreaterThan(0);
      expect(config.redis).toMatchObject({ url: "redis://redis:6379/0", prefix: "viben" });
      // Instances call each other by the URL they announce: its host must be allowed on every instance.
      const url = new URL(service.environment!.VIBEN_INSTANCE_URL!);
      expect(url.hostname).toBe(name);
      expect(url.port).toBe(String(config.port));
      expect(config.allowedHosts).toContain(name);
      expect(service.environment!.VIBEN_INSTANCE_ID).toBe(name);
      expect(config.workdirRoots).toContain("/workspace");
    }
  });

  it("mounts gateway.yaml where HOME puts ~/.viben, and the shared workspace on every instance", () => {
    const dockerfile = read("Dockerfile");
    const home = /ENV HOME=(\S+)/.exec(dockerfile)?.[1];
    expect(home).toBe("/data");
    expect(dockerfile).toContain("scripts/build.mjs");
    expect(dockerfile).toContain("dist/node.js");
    const shared = (parse(read("docker-compose.yml")) as { "x-gateway": ComposeService })["x-gateway"];
    expect(shared.volumes).toContain(`./gateway.yaml:${home}/.viben/gateway.yaml:ro`);
    expect(shared.volumes).toContain("workspace:/workspace");
  });

  it("runs Redis with persistence on and puts every instance behind the proxy", () => {
    expect(compose.services.redis?.command).toEqual(
      expect.arrayContaining(["--appendonly", "yes", "--appendfsync"]),
    );
    const caddy = read("Caddyfile");
    for (const [name] of gateways) expect(caddy).toContain(`${name}:18790`);
    expect(caddy).toContain("flush_interval -1");
  });
});
