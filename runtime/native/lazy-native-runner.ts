import type { NativeRunner } from "../runs/run-hooks.js";
import type { GatewayNativeRunnerOptions } from "./gateway-native-runner.js";

/**
 * The native runner, loaded with the first native run: the AI SDK, its providers and the MCP client are
 * most of the gateway's code and most gateways never run a native agent. `check` always comes before
 * `start` (the run manager checks an agent before storing anything), so `start` finds the runner loaded.
 */
export function createLazyNativeRunner(options: GatewayNativeRunnerOptions): NativeRunner {
  let loading: Promise<NativeRunner> | undefined;
  let runner: NativeRunner | undefined;
  const load = () => {
    loading ??= import("./gateway-native-runner.js").then((module) => {
      runner = module.createGatewayNativeRunner(options);
      return runner;
    });
    return loading;
  };
  return {
    check: async (agent) => (await load()).check(agent),
    start: (input) => {
      if (!runner) throw new Error("the native runner was started before check() loaded it");
      return runner.start(input);
    },
  };
}
