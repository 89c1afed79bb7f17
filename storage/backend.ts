import type { Storage } from "unstorage";

export type ScopeKind = "global" | "workspace";

/**
 * One storage root (`~/.viben` or `<workspace>/.viben`) as the runtime provides it: an unstorage instance
 * plus whether change notifications currently cover the root (parsed documents are cached only then).
 */
export interface ScopeBackend {
  readonly storage: Storage;
  /** Starts watching; resolves true when every later change (also by hand) will be reported. */
  watch(onChange: (key: string) => void): Promise<boolean>;
  dispose(): Promise<void>;
}

export type BackendFactory = (root: string, kind: ScopeKind) => ScopeBackend;
