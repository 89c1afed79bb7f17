import type { Command } from "commander";
import { contextOf } from "../context.js";

/** `viben gateway …`: run the gateway on this machine and see how it is doing. */
export function register(program: Command): void {
  const gateway = program.command("gateway").description("Start, stop and watch the gateway on this machine");

  gateway
    .command("start")
    .description("Start the gateway (in the foreground; --detach to run it in the background)")
    .option("-p, --port <port>", "port to listen on (default: gateway.yaml's port, else 18790)")
    .option("--host <host>", "address to bind (default: gateway.yaml's bind, else 127.0.0.1)")
    .option("-d, --detach", "run in the background, logging to ~/.viben/logs/gateway.log")
    .option("--timeout <seconds>", "with --detach: how long to wait for the gateway to answer", "60")
    .action(async (options, command: Command) => {
      const context = contextOf(command);
      const { startDetached, startForeground } = await import("../gateway/lifecycle.js");
      if (!options.detach) return startForeground(options);
      const started = await startDetached(context, options);
      context.out.result(started, () => printStarted(context.out, started));
    });

  gateway
    .command("stop")
    .description("Stop the gateway that holds this machine's data folder (SIGTERM, then wait)")
    .option("--timeout <seconds>", "how long to wait for it to shut down", "30")
    .option("--force", "SIGKILL it if it has not stopped after the timeout")
    .action(async (options, command: Command) => {
      const context = contextOf(command);
      const { stopGateway } = await import("../gateway/lifecycle.js");
      const stopped = await stopGateway(context, options);
      context.out.result(stopped, () =>
        context.out.line(
          stopped.stopped
            ? `Gateway stopped (pid ${stopped.pid})`
            : `No gateway is running on ${stopped.data_dir}`,
        ),
      );
    });

  gateway
    .command("restart")
    .description("Stop the gateway if it runs, then start it in the background on the same address")
    .option("-p, --port <port>", "port to listen on (default: the one it had)")
    .option("--host <host>", "address to bind (default: the one it had)")
    .option("--timeout <seconds>", "how long to wait for it to stop, then to answer", "60")
    .action(async (options, command: Command) => {
      const context = contextOf(command);
      const { startDetached, stopGateway } = await import("../gateway/lifecycle.js");
      const { dataDir, runningGateway } = await import("../gateway/local.js");
      const previous = await runningGateway(dataDir());
      const stopped = await stopGateway(context, { timeout: options.timeout });
      const started = await startDetached(context, {
        port: options.port ?? (previous?.port === undefined ? undefined : String(previous.port)),
        host: options.host ?? previous?.host,
        timeout: options.timeout,
      });
      context.out.result({ stopped, started }, () => printStarted(context.out, started));
    });

  gateway
    .command("status")
    .description("Whether the gateway runs: pid, address, uptime, version, runs in flight, channels")
    .action(async (_options, command: Command) => {
      const context = contextOf(command);
      const { gatewayStatus, printStatus } = await import("../gateway/status.js");
      const status = await gatewayStatus(context, command);
      printStatus(context, status);
      if (!status.running) process.exitCode = 1;
    });

  gateway
    .command("install")
    .description(
      "Run the gateway as a service that starts at login and restarts on failure (systemd user unit or launchd agent)",
    )
    .option("-p, --port <port>", "port for the service's gateway (default: gateway.yaml's, else 18790)")
    .option("--host <host>", "address for the service's gateway")
    .option("--no-enable", "only write the unit file; do not run systemctl/launchctl")
    .action(async (options, command: Command) => {
      const context = contextOf(command);
      const { installService } = await import("../gateway/service.js");
      const result = await installService(options, !context.json);
      context.out.result(result, () => {
        context.out.line(`Wrote ${result.path}`);
        if (result.enabled)
          context.out.line(`${context.out.colors.green("✔")} Service enabled and started (${result.kind})`);
        else {
          context.out.line("To enable and start it:");
          for (const line of result.instructions) context.out.line(`  ${line}`);
        }
      });
    });

  gateway
    .command("uninstall")
    .description("Stop and remove the service `viben gateway install` set up")
    .option("--no-enable", "only remove the unit file; do not run systemctl/launchctl")
    .action(async (options, command: Command) => {
      const context = contextOf(command);
      const { uninstallService } = await import("../gateway/service.js");
      const result = await uninstallService(options);
      context.out.result(result, () => {
        context.out.line(result.removed ? `Removed ${result.path}` : `No service installed (${result.path})`);
        for (const line of result.instructions) context.out.line(`  ${line}`);
      });
    });

  gateway
    .command("logs")
    .description("Show the background gateway's log (~/.viben/logs/gateway.log)")
    .option("-n, --lines <count>", "how many of the last lines", "50")
    .option("-f, --follow", "keep printing what it logs, until Ctrl-C")
    .action(async (options) => {
      const { showLogs } = await import("../gateway/logs.js");
      await showLogs(options);
    });
}

function printStarted(
  out: ReturnType<typeof contextOf>["out"],
  started: { pid: number; url: string; log: string },
): void {
  out.line(
    `${out.colors.green("✔")} Gateway running at ${out.colors.bold(started.url)} (pid ${started.pid})`,
  );
  out.line(out.colors.dim(`  dashboard ${started.url}/   API docs ${started.url}/docs   log ${started.log}`));
}
