import { LRUCache } from "lru-cache";
import type { BackendFactory, ScopeKind } from "./backend.js";
import { DocumentStore } from "./documents.js";

export interface Scope {
  readonly kind: ScopeKind;
  /** The workspace this scope belongs to: the home directory for the global scope. */
  readonly workspacePath: string;
  readonly store: DocumentStore;
}

export interface ScopesOptions {
  /** The global workspace (the user's home directory). */
  home: string;
  /** Where global data lives (`~/.viben` unless VIBEN_HOME says otherwise). */
  globalRoot: string;
  backend: BackendFactory;
  /** How many workspace roots keep their cache and watcher at once. */
  maxOpenWorkspaces?: number;
}

/** Resolves the global scope and any workspace scope (`<workspace>/.viben`) on demand. */
export class Scopes {
  readonly home: string;
  private readonly globalScope: Scope;
  /** Open workspace scopes, least recently used closed first (its cache and watcher go with it). */
  private readonly workspaces: LRUCache<string, Scope>;

  constructor(private readonly options: ScopesOptions) {
    this.home = options.home;
    this.workspaces = new LRUCache<string, Scope>({
      max: options.maxOpenWorkspaces ?? 64,
      dispose: (scope, _path, reason) => {
        if (reason === "evict") void scope.store.dispose();
      },
    });
    this.globalScope = {
      kind: "global",
      workspacePath: options.home,
      store: new DocumentStore(options.backend(options.globalRoot, "global"), options.globalRoot),
    };
  }

  global(): Scope {
    return this.globalScope;
  }

  /** The scope of a workspace path (already validated as absolute and existing); home is the global scope. */
  workspace(workspacePath: string): Scope {
    if (this.isGlobalWorkspace(workspacePath)) return this.globalScope;
    const open = this.workspaces.get(workspacePath);
    if (open) return open;
    const root = `${workspacePath.replace(/\/+$/, "")}/.viben`;
    const scope: Scope = {
      kind: "workspace",
      workspacePath,
      store: new DocumentStore(this.options.backend(root, "workspace"), root),
    };
    this.workspaces.set(workspacePath, scope);
    return scope;
  }

  /** Scopes to read for a listing, workspace first (it wins on id clashes). */
  listingScopes(workspacePath: string, includeGlobal: boolean): Scope[] {
    const ws = this.workspace(workspacePath);
    // The home workspace is the global scope itself, so it is listed whatever include_global says.
    if (ws.kind === "global") return [ws];
    return includeGlobal ? [ws, this.globalScope] : [ws];
  }

  isGlobalWorkspace(workspacePath: string): boolean {
    return workspacePath.replace(/\/+$/, "") === this.home.replace(/\/+$/, "");
  }

  async dispose(): Promise<void> {
    await Promise.all([this.globalScope, ...this.workspaces.values()].map((s) => s.store.dispose()));
    this.workspaces.clear();
  }
}
