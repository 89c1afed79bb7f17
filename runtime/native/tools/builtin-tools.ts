import { listDirTool } from "./list-dir.js";
import type { NativeTool } from "./native-tool.js";
import { readFileTool } from "./read-file.js";
import { runShellTool } from "./run-shell.js";
import { writeFileTool } from "./write-file.js";

/** The tools every native run has, all confined to the run's workdir. */
export const BUILTIN_TOOLS: readonly NativeTool[] = [runShellTool, readFileTool, writeFileTool, listDirTool];
