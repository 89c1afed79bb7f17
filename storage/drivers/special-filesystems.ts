import { realpath, stat, statfs } from "node:fs/promises";
import { dirname } from "node:path";
import { StorageError } from "../errors.js";

/**
 * Linux filesystems that are views of the kernel or of devices rather than places for files (statfs
 * f_type, from linux/magic.h). Writing there is meaningless or harmful, and Node's recursive mkdir never
 * returns on procfs.
 */
const KERNEL_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x1373, "devfs"],
  [0x1cd1, "devpts"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0xf97cff8c, "selinuxfs"],
  [0x6165676c, "pstore"],
  [0xcafe4a11, "bpf"],
  [0x62656570, "configfs"],
  [0xde5e81e4, "efivarfs"],
  [0x65735543, "fusectl"],
  [0x42494e4d, "binfmt_misc"],
  [0x19800202, "mqueue"],
  [0x958458f6, "hugetlbfs"],
  [0x6e736673, "nsfs"],
]);

/** Trees that hold such filesystems wherever the platform mounts them (devtmpfs reports itself as tmpfs). */
const KERNEL_TREES: [string, string][] = [
  ["/proc", "proc"],
  ["/sys", "sysfs"],
  ["/dev", "dev"],
];

/** The path itself if it exists, else its nearest existing ancestor ("/" at worst). */
async function nearestExisting(path: string): Promise<string> {
  let current = path;
  for (;;) {
    try {
      await stat(current);
      return current;
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/**
 * The kernel or device filesystem an absolute path lies on (symbolic links resolved; for a path that does
 * not exist yet, where it would be created), or undefined for an ordinary filesystem.
 */
export async function specialFilesystemOf(path: string): Promise<string | undefined> {
  const existing = await nearestExisting(path);
  let real: string;
  try {
    real = await realpath(existing);
  } catch {
    real = existing;
  }
  return specialFilesystemOfResolved(real);
}

/** specialFilesystemOf for a path known to exist with its links resolved (one statfs, no walk). */
export async function specialFilesystemOfResolved(real: string): Promise<string | undefined> {
  for (const [tree, name] of KERNEL_TREES) {
    if (real === tree || real.startsWith(`${tree}/`)) return name;
  }
  if (process.platform !== "linux") return undefined;
  try {
    // f_type is unsigned in the kernel; `>>> 0` keeps magic numbers above 2^31 comparable.
    return KERNEL_FILESYSTEMS.get((await statfs(real)).type >>> 0);
  } catch {
    return undefined;
  }
}

/** Refuses (StorageError, 400 over HTTP) to create or write anything under a kernel or device filesystem. */
export async function assertOrdinaryFilesystem(path: string): Promise<void> {
  const filesystem = await specialFilesystemOf(path);
  if (filesystem) {
    throw new StorageError(
      "validation",
      "UNSUPPORTED_FILESYSTEM",
      `refusing to write under ${path}: it lies on ${filesystem}, not an ordinary filesystem`,
      { path, filesystem },
    );
  }
}
