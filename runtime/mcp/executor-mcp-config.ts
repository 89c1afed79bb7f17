import type {
  ExecutorMcpEntry,
  ExecutorMcpFileRef,
  ExecutorMcpListing,
} from "../../handlers/capabilities/mcp-config.js";
import { invalid } from "../../storage/errors.js";
import { KeyedMutex } from "../../storage/lock.js";
import {
  type DisabledExecutorServer,
  listDisabledServers,
  type McpServer,
  mergeServer,
  serverExists,
  serverNotFound,
  setDisabledServer,
} from "../../storage/mcp-servers.js";
import type { Scope } from "../../storage/scopes.js";
import type { PlainObject } from "../executors/config-shapes.js";
import { EXECUTOR_DESCRIPTORS } from "../executors/index.js";
import { type EnvRecord, locate, pathRoots } from "../executors/locations.js";
import { readConfigFile, writeConfigFile } from "./config-file.js";
import { EXECUTOR_MCP_FILES, type McpFileFormat } from "./executor-mcp-files.js";
import { readJsonServers, setJsonServer } from "./json-config-edit.js";
import { readTomlServers, setTomlServer } from "./toml-config-edit.js";

export interface ExecutorMcpConfigOptions {
  home: string;
  /** For CODEX_HOME and the like, as the executors themselves see it. */
  env: EnvRecord;
  /** Where servers switched off in files without a switch are set aside. */
  globalScope: Scope;
}

interface ResolvedFile {
  format: McpFileFormat;
  path: string;
}

/** One executor file's servers, edited in place (JSON via jsonc-parser, TOML per table). */
export class ExecutorMcpConfig {
  private readonly mutex = new KeyedMutex();

  constructor(private readonly options: ExecutorMcpConfigOptions) {}

  private resolve(ref: ExecutorMcpFileRef): ResolvedFile {
    const format = EXECUTOR_MCP_FILES[ref.executor]?.[ref.scope];
    if (!format) {
      throw invalid("scope", `${ref.executor} keeps no MCP servers at ${ref.scope} scope`, {
        executor: ref.executor,
        scope: ref.scope,
      });
    }
    const descriptor = EXECUTOR_DESCRIPTORS.find((d) => d.id === ref.executor);
    if (!descriptor) throw invalid("executor", `unknown executor ${ref.executor}`);
    const roots = pathRoots(descriptor, this.options.home, this.options.env, ref.workspacePath);
    const path = locate(format.location, roots);
    if (path === undefined) {
      throw invalid("workspace_path", "is required for workspace scope (and must not be the home directory)");
    }
    return { format, path };
  }

  private async readServers(file: ResolvedFile, text: string | null): Promise<Record<string, PlainObject>> {
    return file.format.syntax === "toml"
      ? readTomlServers(text, file.format.keyPath[0]!, file.path)
      : readJsonServers(text, file.format.keyPath, file.path);
  }

  private async edit(file: ResolvedFile, name: string, native: PlainObject | undefined): Promise<void> {
    const text = await readConfigFile(file.path);
    const next =
      file.format.syntax === "toml"
        ? await setTomlServer(text, file.format.keyPath[0]!, name, native, file.path)
        : await setJsonServer(text, file.format.keyPath, name, native, file.path);
    if (next !== text) await writeConfigFile(file.path, next);
  }

  private entryOf(
    file: ResolvedFile,
    name: string,
    native: PlainObject,
    setAside: boolean,
  ): ExecutorMcpEntry {
    const server = file.format.fromNative(native) as McpServer;
    const switchedOff = file.format.enabledKey !== undefined && native[file.format.enabledKey] === false;
    const enabled = !setAside && !switchedOff;
    return {
      name,
      enabled,
      server,
      ...(enabled ? {} : { disabled_in: setAside ? ("gateway" as const) : ("file" as const) }),
    };
  }

  private disabled(ref: ExecutorMcpFileRef, file: ResolvedFile): Promise<DisabledExecutorServer[]> {
    return listDisabledServers(this.options.globalScope, ref.executor, file.path);
  }

  async list(ref: ExecutorMcpFileRef): Promise<ExecutorMcpListing> {
    const file = this.resolve(ref);
    const text = await readConfigFile(file.path);
    const servers = await this.readServers(file, text);
    const entries = Object.entries(servers).map(([name, native]) => this.entryOf(file, name, native, false));
    for (const aside of await this.disabled(ref, file)) {
      if (!Object.hasOwn(servers, aside.name))
        entries.push(this.entryOf(file, aside.name, aside.native, true));
    }
    return {
      executor: ref.executor,
      scope: ref.scope,
      path: file.path,
      format: file.format.syntax,
      exists: text !== null,
      servers: entries,
    };
  }

  async add(ref: ExecutorMcpFileRef, name: string, server: McpServer): Promise<ExecutorMcpEntry> {
    const file = this.resolve(ref);
    return this.mutex.run(file.path, async () => {
      const existing = await this.readServers(file, await readConfigFile(file.path));
      const aside = await this.disabled(ref, file);
      if (Object.hasOwn(existing, name) || aside.some((e) => e.name === name))
        throw serverExists(name, file.path);
      const { enabled = true, ...config } = server;
      const native = this.toNative(file, config, enabled);
      if (enabled || file.format.enabledKey) await this.edit(file, name, native);
      else
        await setDisabledServer(
          this.options.globalScope,
          { executor: ref.executor, file: file.path, name },
          native,
        );
      return this.entryOf(file, name, native, !enabled && !file.format.enabledKey);
    });
  }

  async update(
    ref: ExecutorMcpFileRef,
    name: string,
    patch: Record<string, unknown>,
  ): Promise<ExecutorMcpEntry> {
    const file = this.resolve(ref);
    return this.mutex.run(file.path, async () => {
      const existing = await this.readServers(file, await readConfigFile(file.path));
      const aside = (await this.disabled(ref, file)).find((e) => e.name === name);
      const native = existing[name] ?? aside?.native;
      if (!native) throw serverNotFound(name, file.path);
      const current = this.entryOf(file, name, native, !existing[name]);
      const { enabled: wanted, ...fields } = patch;
      if (wanted !== undefined && wanted !== null && typeof wanted !== "boolean")
        throw invalid("enabled", "must be a boolean");
      const enabled = typeof wanted === "boolean" ? wanted : current.enabled;
      let next: PlainObject;
      if (Object.keys(fields).length > 0) {
        const { enabled: _ignored, ...config } = mergeServer(current.server, fields);
        next = this.toNative(file, config, enabled);
      } else {
        // Only switched: the entry goes back (or stays) exactly as the file had it.
        next = this.withSwitch(file, native, enabled);
      }
      const key = { executor: ref.executor, file: file.path, name };
      if (enabled || file.format.enabledKey) {
        await this.edit(file, name, next);
        if (aside) await setDisabledServer(this.options.globalScope, key, null);
      } else {
        // Set aside before leaving the file, so a failure in between never loses the server.
        await setDisabledServer(this.options.globalScope, key, next);
        if (existing[name]) await this.edit(file, name, undefined);
      }
      return this.entryOf(file, name, next, !enabled && !file.format.enabledKey);
    });
  }

  async remove(ref: ExecutorMcpFileRef, name: string): Promise<void> {
    const file = this.resolve(ref);
    await this.mutex.run(file.path, async () => {
      const existing = await this.readServers(file, await readConfigFile(file.path));
      const aside = (await this.disabled(ref, file)).some((e) => e.name === name);
      if (!Object.hasOwn(existing, name) && !aside) throw serverNotFound(name, file.path);
      if (Object.hasOwn(existing, name)) await this.edit(file, name, undefined);
      if (aside)
        await setDisabledServer(
          this.options.globalScope,
          { executor: ref.executor, file: file.path, name },
          null,
        );
    });
  }

  /** The executor's shape; its own switch says off, or is left out when on (the executors' default). */
  private toNative(file: ResolvedFile, server: McpServer, enabled: boolean): PlainObject {
    return this.withSwitch(file, file.format.toNative(server), enabled);
  }

  private withSwitch(file: ResolvedFile, native: PlainObject, enabled: boolean): PlainObject {
    const key = file.format.enabledKey;
    if (!key) return native;
    const { [key]: _old, ...rest } = native;
    return enabled ? rest : { ...rest, [key]: false };
  }
}
