import { parseArgs } from "node:util";
import { GatewayStartError, startGateway } from "./node/server.js";

/** `npm start [-- --port N --host H]`: serve the gateway until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: "string" }, host: { type: "string" } },
    allowPositionals: false,
  });
  const gateway = await startGateway({
    host: values.host,
    port: values.port,
  });
  process.stdout.write(`Viben Gateway listening on ${gateway.url}\n`);
  process.stdout.write(`Dashboard ${gateway.url}/  ·  API docs ${gateway.url}/docs\n`);
  const shutdown = (signal: string) => {
    process.stdout.write(`${signal} received, shutting down\n`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof GatewayStartError || (error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    process.stderr.write(`viben-gateway: ${(error as Error).message}\n`);
  } else {
    process.stderr.write(`viben-gateway: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
