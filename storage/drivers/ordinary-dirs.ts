import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { assertOrdinaryFilesystem } from "./special-filesystems.js";

/** How many directories are remembered (one per session folder at most; forgotten all at once when full). */
const MAX_KNOWN = 1000;

/**
 * Directories a driver has found to lie on an ordinary filesystem, so each write does not check again
 * (stat, realpath and statfs cost more than the write itself). A folder this process makes inside a known
 * one is ordinary too: making it is its check.
 */
export class OrdinaryDirs {
  private readonly known = new Set<string>();
  /** Checks under way, by folder: a second writer of a new folder waits for the first's (no race to mkdir). */
  private readonly pending = new Map<string, Promise<boolean>>();

  /** Refuses a directory on a kernel or device filesystem before anything is written into it. */
  async check(dir: string): Promise<void> {
    if (!this.known.has(dir)) await this.checking(dir);
  }

  /** Makes a missing directory (and its parents) for a write, refusing a kernel or device filesystem. */
  async make(dir: string): Promise<void> {
    // Checked (and made, inside a known folder) by whichever writer came first; made here if still missing.
    if (await this.checking(dir)) return;
    await mkdir(dir, { recursive: true });
    // Checked through its nearest existing ancestor, which is the parent now: ordinary as well.
    this.remember(dirname(dir));
  }

  /** Resolves true when the check made the folder (a new one inside a known folder). */
  private checking(dir: string): Promise<boolean> {
    let running = this.pending.get(dir);
    if (!running) {
      running = (async () => {
        if (await this.madeInKnown(dir)) return true;
        await assertOrdinaryFilesystem(dir);
        this.remember(dir);
        return false;
      })().finally(() => this.pending.delete(dir));
      this.pending.set(dir, running);
    }
    return running;
  }

  /** A new folder inside a known one: one mkdir instead of the walk (one already there may be a link). */
  private async madeInKnown(dir: string): Promise<boolean> {
    if (!this.known.has(dirname(dir))) return false;
    try {
      await mkdir(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST" || code === "ENOENT") return false;
      throw error;
    }
    this.remember(dir);
    return true;
  }

  private remember(dir: string): void {
    if (this.known.size >= MAX_KNOWN) this.known.clear();
    this.known.add(dir);
  }
}

/** The process's record: both fs drivers write into the same folders (a session's log and metadata). */
export const ordinaryDirs = new OrdinaryDirs();
