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
  private readonly workspaces = new Map<string, Scope>();
  private readonly maxOpen: number;

  constructor(private readonly options: ScopesOptions) {
    this.home = options.home;
    this.maxOpen = options.maxOpenWorkspaces ?? 64;
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
    if (open) {
      // Re-insert to keep the map in least-recently-used order.
      this.workspaces.delete(workspacePath);
      this.workspaces.set(workspacePath, open);
      return open;
    }
    const root = `${workspacePath.replace(/\/+$/, "")}/.viben`;
    const scope: Scope = {
      kind: "workspace",
      workspacePath,
      store: new DocumentStore(this.options.backend(root, "workspace"), root),
    };
    this.workspaces.set(workspacePath, scope);
    if (this.workspaces.size > this.maxOpen) {
      const [oldestPath, oldest] = this.workspaces.entries().next().value as [string, Scope];
      this.workspaces.delete(oldestPath);
      void oldest.store.dispose();
    }
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
