import { describe, expect, it } from "vitest";
import {
  GATEWAY_CONFIG_DESCRIPTIONS,
  gatewayConfigPaths,
  gatewayConfigTemplate,
} from "../../storage/gateway-config-template.js";

describe("the gateway.yaml template (viben config init)", () => {
  it("describes every setting of the schema, and nothing the schema lacks", () => {
    const paths = gatewayConfigPaths();
    expect(paths.filter((path) => !(path in GATEWAY_CONFIG_DESCRIPTIONS))).toEqual([]);
    expect(Object.keys(GATEWAY_CONFIG_DESCRIPTIONS).filter((path) => !paths.includes(path))).toEqual([]);
  });

  it("lists each setting once, with the defaults the gateway applies", () => {
    const text = gatewayConfigTemplate("9.9.9");
    expect(text).toContain("(version 9.9.9)");
    expect(text).toContain('# bind: "127.0.0.1"');
    expect(text).toContain("#   retain_finished: 1000");
    expect(text).toContain("#   grace_seconds: 60");
    expect(text).toContain("#   warn_at: 0.8");
    for (const path of gatewayConfigPaths()) {
      const key = path.split(".").at(-1);
      expect(text).toMatch(new RegExp(`^# *${key}:`, "m"));
    }
  });
});
