export interface PathProbe {
  /** Whether an absolute path names an existing directory. */
  isDirectory(path: string): Promise<boolean>;
  /** The path with symbolic links resolved (the path itself where that is not possible). */
  realpath(path: string): Promise<string>;
  /**
   * The kernel or device filesystem an existing directory lies on (procfs, sysfs, /dev…), or undefined for
   * an ordinary one; the path comes from `realpath`. Such a directory is never a workspace nor a workdir.
   */
  specialFilesystem(path: string): Promise<string | undefined>;
}
