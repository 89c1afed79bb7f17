/**
 * How the gateway process was started, as the original Viben server's /health reports it under `startup`.
 * Only a runtime with a process knows it (Node), and only once it listens (the port may be 0 until then).
 */
export interface GatewayStartup {
  host: string;
  port: number;
  started_at: string;
  pid: number;
  node_version: string;
  platform: string;
  arch: string;
  /** Where gateway.yaml and the other global files live (`~/.viben` unless VIBEN_HOME moves it). */
  config_dir: string;
  /** Where sessions, logs and the queue journal live (the same folder here). */
  state_dir: string;
  /** The command line that started this process. */
  command: string;
}
