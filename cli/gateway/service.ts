import { spawnSync } from "node:child_process";
import { access, mkdir, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { withSpinner } from "../spinner.js";
import { findOnPath } from "../which.js";
import { dataDir, GATEWAY_NODE_FLAGS, gatewayEntry, logPath } from "./local.js";

export const SYSTEMD_UNIT = "viben-gateway.service";
export const LAUNCHD_LABEL = "dev.viben.gateway";

export interface ServiceOptions {
  port?: string;
  host?: string;
  /** false with --no-enable: write the file only. */
  enable?: boolean;
}

export interface ServiceResult {
  kind: "systemd" | "launchd";
  path: string;
  /** Whether systemctl/launchctl was run (and succeeded). */
  enabled: boolean;
  /** What to run by hand when it was not. */
  instructions: string[];
}

const home = () => resolve(process.env.HOME || homedir());

export function servicePath(kind: "systemd" | "launchd"): string {
  if (kind === "launchd") return join(home(), "Library/LaunchAgents", `${LAUNCHD_LABEL}.plist`);
  const config = process.env.XDG_CONFIG_HOME || join(home(), ".config");
  return join(config, "systemd/user", SYSTEMD_UNIT);
}

/** The command line the service runs: this Node, the gateway's build, the chosen address. */
function gatewayCommand(options: ServiceOptions): string[] {
  return [
    process.execPath,
    ...GATEWAY_NODE_FLAGS,
    gatewayEntry(),
    ...(options.port ? ["--port", options.port] : []),
    ...(options.host ? ["--host", options.host] : []),
  ];
}

/** Variables the gateway needs under the service manager, which starts it with an almost empty environment. */
function serviceEnvironment(): Record<string, string> {
  const env: Record<string, string> = {
    HOME: home(),
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
  };
  for (const name of ["VIBEN_HOME", "VIBEN_LOG_LEVEL"]) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

const systemdQuote = (value: string) =>
  `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")}"`;

export function systemdUnit(options: ServiceOptions): string {
  const env = serviceEnvironment();
  const log = logPath(dataDir());
  return [
    "# Written by `viben gateway install`; removed by `viben gateway uninstall`.",
    "[Unit]",
    "Description=Viben Gateway",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${gatewayCommand(options).map(systemdQuote).join(" ")}`,
    `WorkingDirectory=${home()}`,
    ...Object.entries(env).map(([name, value]) => `Environment=${systemdQuote(`${name}=${value}`)}`),
    // The gateway's log where `viben gateway logs` reads it (journalctl --user -u viben-gateway as well).
    `StandardOutput=append:${log}`,
    `StandardError=append:${log}`,
    "Restart=on-failure",
    "RestartSec=5",
    // SIGTERM is the gateway's clean shutdown: runs stop, records are written.
    "KillSignal=SIGTERM",
    "TimeoutStopSec=30",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

const xml = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function launchdPlist(options: ServiceOptions): string {
  const env = serviceEnvironment();
  const log = logPath(dataDir());
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by \`viben gateway install\`; removed by \`viben gateway uninstall\`. -->
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${gatewayCommand(options)
  .map((arg) => `    <string>${xml(arg)}</string>`)
  .join("\n")}
  </array>
  <key>EnvironmentVariables</key>
  <dict>
${Object.entries(env)
  .map(([name, value]) => `    <key>${xml(name)}</key>\n    <string>${xml(value)}</string>`)
  .join("\n")}
  </dict>
  <key>WorkingDirectory</key>
  <string>${xml(home())}</string>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>StandardOutPath</key>
  <string>${xml(log)}</string>
  <key>StandardErrorPath</key>
  <string>${xml(log)}</string>
</dict>
</plist>
`;
}

/**
 * systemctl/launchctl: VIBEN_SYSTEMCTL / VIBEN_LAUNCHCTL name another program (tests, wrappers) or `none`
 * to skip it; otherwise the one on PATH, if any.
 */
async function serviceManager(kind: "systemd" | "launchd"): Promise<string | undefined> {
  const override = process.env[kind === "systemd" ? "VIBEN_SYSTEMCTL" : "VIBEN_LAUNCHCTL"];
  if (override) return override === "none" ? undefined : override;
  return findOnPath(kind === "systemd" ? "systemctl" : "launchctl");
}

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return { ok: result.status === 0, output: `${result.stdout ?? ""}${result.stderr ?? ""}`.trim() };
}

const kindHere = (): "systemd" | "launchd" => (process.platform === "darwin" ? "launchd" : "systemd");

/**
 * Writes the service file for this platform and, unless --no-enable or the service manager is missing,
 * enables and starts it; otherwise says what to run.
 */
export async function installService(options: ServiceOptions, spinner = true): Promise<ServiceResult> {
  const kind = kindHere();
  const path = servicePath(kind);
  await mkdir(dirname(path), { recursive: true });
  await mkdir(dirname(logPath(dataDir())), { recursive: true });
  await writeFile(path, kind === "systemd" ? systemdUnit(options) : launchdPlist(options), { mode: 0o644 });
  const manual =
    kind === "systemd"
      ? [
          "systemctl --user daemon-reload",
          `systemctl --user enable --now ${SYSTEMD_UNIT}`,
          'loginctl enable-linger "$USER"   # to start at boot, not only at login',
        ]
      : [`launchctl load -w ${path}`];
  const tool = options.enable === false ? undefined : await serviceManager(kind);
  if (!tool) return { kind, path, enabled: false, instructions: manual };
  return withSpinner(
    "Enabling the service…",
    async () => {
      const steps: Array<[string, string[]]> =
        kind === "systemd"
          ? [
              [tool, ["--user", "daemon-reload"]],
              [tool, ["--user", "enable", "--now", SYSTEMD_UNIT]],
            ]
          : [[tool, ["load", "-w", path]]];
      for (const [command, args] of steps) {
        const result = run(command, args);
        if (!result.ok)
          return {
            kind,
            path,
            enabled: false,
            instructions: [`# ${command} ${args.join(" ")} failed: ${result.output}`, ...manual],
          };
      }
      return { kind, path, enabled: true, instructions: [] };
    },
    spinner,
  );
}

export async function uninstallService(options: {
  enable?: boolean;
}): Promise<ServiceResult & { removed: boolean }> {
  const kind = kindHere();
  const path = servicePath(kind);
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  const tool = options.enable === false ? undefined : await serviceManager(kind);
  let enabled = false;
  if (tool && exists) {
    enabled =
      kind === "systemd"
        ? run(tool, ["--user", "disable", "--now", SYSTEMD_UNIT]).ok
        : run(tool, ["unload", "-w", path]).ok;
  }
  await rm(path, { force: true });
  if (tool && kind === "systemd") run(tool, ["--user", "daemon-reload"]);
  const instructions =
    tool || !exists
      ? []
      : kind === "systemd"
        ? [`systemctl --user disable --now ${SYSTEMD_UNIT}`, "systemctl --user daemon-reload"]
        : [`launchctl unload -w ${path}`];
  return { kind, path, enabled, instructions, removed: exists };
}
