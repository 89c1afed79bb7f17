import type { QueueLaneReport } from "../../handlers/capabilities/queue.js";
import type { QueueSettings } from "../../storage/queue-settings.js";

/** The lanes a job occupies while it runs. */
export interface LaneKeys {
  agent: string;
  workspace: string;
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}

/** Running jobs per lane, and whether one more fits under the limits. */
export class LaneCounter {
  private total = 0;
  private readonly agents = new Map<string, number>();
  private readonly workspaces = new Map<string, number>();

  fits(keys: LaneKeys, limits: QueueSettings): boolean {
    return (
      this.total < limits.concurrency &&
      (this.agents.get(keys.agent) ?? 0) < limits.per_agent &&
      (this.workspaces.get(keys.workspace) ?? 0) < limits.per_workspace
    );
  }

  add(keys: LaneKeys): void {
    this.total++;
    bump(this.agents, keys.agent, 1);
    bump(this.workspaces, keys.workspace, 1);
  }

  remove(keys: LaneKeys): void {
    this.total = Math.max(0, this.total - 1);
    bump(this.agents, keys.agent, -1);
    bump(this.workspaces, keys.workspace, -1);
  }

  get running(): number {
    return this.total;
  }
}

/** Counts running and queued jobs per lane for `GET /api/queue/lanes`. */
export function laneReport(running: LaneKeys[], queued: LaneKeys[], limits: QueueSettings): QueueLaneReport {
  const agents = new Map<string, { running: number; queued: number }>();
  const workspaces = new Map<string, { running: number; queued: number }>();
  const count = (keys: LaneKeys[], field: "running" | "queued") => {
    for (const key of keys) {
      for (const [map, name] of [
        [agents, key.agent],
        [workspaces, key.workspace],
      ] as const) {
        const usage = map.get(name) ?? { running: 0, queued: 0 };
        usage[field]++;
        map.set(name, usage);
      }
    }
  };
  count(running, "running");
  count(queued, "queued");
  return {
    limits: {
      concurrency: limits.concurrency,
      per_agent: limits.per_agent,
      per_workspace: limits.per_workspace,
    },
    global: { running: running.length, queued: queued.length, limit: limits.concurrency },
    agents: [...agents]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([agent_id, usage]) => ({ agent_id, ...usage, limit: limits.per_agent })),
    workspaces: [...workspaces]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([workspace_path, usage]) => ({ workspace_path, ...usage, limit: limits.per_workspace })),
  };
}
