/** Set while the job's state lists runs that have not ended: such a job is read again at start (recovery). */
export const ACTIVE = 1;

/** What the index file holds per job: [next due ms or null, job file stamp, state file stamp, flags]. */
type Persisted = [number | null, number, number, number];

const INITIAL_CAPACITY = 64;

/**
 * What the scheduler keeps for every job between firings: its next due time, the fingerprints of its job
 * and state files when that time was computed, flags, and a version that invalidates older heap entries.
 * Columns in typed arrays (about 30 bytes per job plus the id in the map), so 10,000 idle jobs cost well
 * under a megabyte; the job itself is read from disk only when it fires or the API asks for it.
 */
export class DueIndex {
  private readonly slots = new Map<string, number>();
  private free: number[] = [];
  private due = new Float64Array(INITIAL_CAPACITY);
  private jobStamp = new Float64Array(INITIAL_CAPACITY);
  private stateStamp = new Float64Array(INITIAL_CAPACITY);
  private versions = new Uint32Array(INITIAL_CAPACITY);
  private flagBits = new Uint8Array(INITIAL_CAPACITY);
  private used = 0;

  get size(): number {
    return this.slots.size;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  ids(): IterableIterator<string> {
    return this.slots.keys();
  }

  /** Next due time in epoch ms; NaN when none (disabled, finished, or a schedule that does not compile). */
  dueOf(id: string): number {
    const slot = this.slots.get(id);
    return slot === undefined ? Number.NaN : this.due[slot]!;
  }

  versionOf(id: string): number | undefined {
    const slot = this.slots.get(id);
    return slot === undefined ? undefined : this.versions[slot];
  }

  flagsOf(id: string): number {
    const slot = this.slots.get(id);
    return slot === undefined ? 0 : this.flagBits[slot]!;
  }

  /** Records a job's current figures; the version moves on, so heap entries pushed before are stale. */
  set(id: string, due: number, jobStamp: number, stateStamp: number, flags: number): number {
    const slot = this.slotFor(id);
    this.due[slot] = due;
    this.jobStamp[slot] = jobStamp;
    this.stateStamp[slot] = stateStamp;
    this.flagBits[slot] = flags;
    this.versions[slot] = (this.versions[slot]! + 1) >>> 0;
    return this.versions[slot]!;
  }

  /** Only the state's fingerprint and flags (a run was recorded); the due time stands. */
  setState(id: string, stateStamp: number, flags: number): void {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    this.stateStamp[slot] = stateStamp;
    this.flagBits[slot] = flags;
  }

  /** Invalidates the heap entries of a job without changing what is recorded. */
  bump(id: string): number | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;
    this.versions[slot] = (this.versions[slot]! + 1) >>> 0;
    return this.versions[slot];
  }

  delete(id: string): void {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    this.slots.delete(id);
    this.versions[slot] = (this.versions[slot]! + 1) >>> 0;
    this.free.push(slot);
  }

  /** The index file's text: the figures of every job, by id. */
  serialise(): string {
    const jobs: Record<string, Persisted> = {};
    for (const [id, slot] of this.slots) {
      const due = this.due[slot]!;
      jobs[id] = [
        Number.isNaN(due) ? null : due,
        this.jobStamp[slot]!,
        this.stateStamp[slot]!,
        this.flagBits[slot]!,
      ];
    }
    return JSON.stringify({ version: 1, jobs });
  }

  /** Reads an index file's text; anything unexpected yields an empty map (every job is then read again). */
  static parse(text: string | null): Map<string, Persisted> {
    const result = new Map<string, Persisted>();
    if (!text) return result;
    try {
      const data = JSON.parse(text) as { version?: unknown; jobs?: Record<string, unknown> };
      if (data.version !== 1 || !data.jobs || typeof data.jobs !== "object") return result;
      for (const [id, value] of Object.entries(data.jobs)) {
        if (!Array.isArray(value) || value.length !== 4) continue;
        const [due, job, state, flags] = value as unknown[];
        if (due !== null && typeof due !== "number") continue;
        if (typeof job !== "number" || typeof state !== "number" || typeof flags !== "number") continue;
        result.set(id, [due, job, state, flags]);
      }
    } catch {
      return new Map();
    }
    return result;
  }

  private slotFor(id: string): number {
    const existing = this.slots.get(id);
    if (existing !== undefined) return existing;
    const slot = this.free.pop() ?? this.used++;
    if (slot >= this.due.length) this.grow();
    this.slots.set(id, slot);
    return slot;
  }

  private grow(): void {
    const size = this.due.length * 2;
    const copy = <T extends Float64Array | Uint32Array | Uint8Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.due = copy(this.due, new Float64Array(size));
    this.jobStamp = copy(this.jobStamp, new Float64Array(size));
    this.stateStamp = copy(this.stateStamp, new Float64Array(size));
    this.versions = copy(this.versions, new Uint32Array(size));
    this.flagBits = copy(this.flagBits, new Uint8Array(size));
  }
}
