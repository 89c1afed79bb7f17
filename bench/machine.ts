import { readFileSync } from "node:fs";
import { loadavg } from "node:os";

/** CPU time counters of the whole machine (jiffies), from /proc/stat. */
function cpuCounters(): { total: number; steal: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is counted in user).
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return { total, steal: fields[7] ?? 0 };
  } catch {
    return undefined;
  }
}

export interface MachineReport {
  /** 1-minute load average at the start and at the end. */
  loadBefore: number;
  loadAfter: number;
  /** Share of CPU time the hypervisor took from this machine while the bench ran (%), when known. */
  stealPercent?: number;
  cores: number;
}

/** Watches how busy the machine was while a bench ran, so a disturbed run shows in its own output. */
export function watchMachine(cores: number): { stop(): MachineReport } {
  const loadBefore = loadavg()[0] ?? 0;
  const before = cpuCounters();
  return {
    stop() {
      const after = cpuCounters();
      const elapsed = before && after ? after.total - before.total : 0;
      return {
        loadBefore,
        loadAfter: loadavg()[0] ?? 0,
        cores,
        ...(before && after && elapsed > 0
          ? { stealPercent: ((after.steal - before.steal) / elapsed) * 100 }
          : {}),
      };
    },
  };
}

export function describeMachine(report: MachineReport): string {
  const steal = report.stealPercent === undefined ? "unknown" : `${report.stealPercent.toFixed(1)}%`;
  const busy = Math.max(report.loadBefore, report.loadAfter) > report.cores;
  return (
    `machine: ${report.cores} cores, load average ${report.loadBefore.toFixed(2)} → ${report.loadAfter.toFixed(2)}, ` +
    `hypervisor steal ${steal}${busy ? " (BUSY: other work competed with this run; figures are disturbed)" : ""}`
  );
}
