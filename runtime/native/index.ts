export { createGatewayNativeRunner, type GatewayNativeRunnerOptions } from "./gateway-native-runner.js";
export { createNativeRunner, type NativeRunnerOptions } from "./native-runner.js";
