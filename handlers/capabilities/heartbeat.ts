export interface HeartbeatStatus {
  enabled: boolean;
  /** Seconds between checks (null when not configured). */
  interval: number | null;
  agent_id: string | null;
  last_run_at: string | null;
  last_status: "succeeded" | "failed" | "alert" | "running" | null;
  next_run_at: string | null;
  consecutive_failures: number;
  last_run_id: string | null;
  last_session_id: string | null;
  last_error: string | null;
}

/** The periodic self-check configured in gateway.yaml `heartbeat:` (Node). */
export interface HeartbeatService {
  status(): Promise<HeartbeatStatus>;
  /** Re-reads gateway.yaml now and applies its `heartbeat` section. */
  reload(): Promise<HeartbeatStatus>;
}
