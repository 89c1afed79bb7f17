import type { ToolOutcome } from "../tools/native-tool.js";
import { capText } from "../tools/text-limits.js";

/** MCP results can be large (a page of a document, a screenshot): cap what goes back to the model. */
const MAX_RESULT_BYTES = 256 * 1024;

interface ContentItem {
  type: string;
  text?: unknown;
  mimeType?: unknown;
  uri?: unknown;
  resource?: { uri?: unknown; text?: unknown; mimeType?: unknown };
}

/**
 * An MCP `tools/call` result as text for the model: text items as they are, other items (images, audio,
 * resources) described in a line, `structuredContent` as JSON when there is no content, and the legacy
 * `toolResult` shape as JSON.
 */
export function mcpResultToOutcome(result: Record<string, unknown>): ToolOutcome {
  const isError = result.isError === true;
  if (Array.isArray(result.content) && result.content.length > 0) {
    const text = (result.content as ContentItem[]).map(describeItem).join("\n");
    return { text: capText(text, MAX_RESULT_BYTES), isError };
  }
  if (result.structuredContent !== undefined) {
    return { text: capText(JSON.stringify(result.structuredContent), MAX_RESULT_BYTES), isError };
  }
  if ("toolResult" in result)
    return { text: capText(JSON.stringify(result.toolResult), MAX_RESULT_BYTES), isError };
  return { text: "", isError };
}

function describeItem(item: ContentItem): string {
  switch (item.type) {
    case "text":
      return String(item.text ?? "");
    case "image":
    case "audio":
      return `[${item.type} ${String(item.mimeType ?? "")} omitted]`;
    case "resource":
      return typeof item.resource?.text === "string"
        ? item.resource.text
        : `[resource ${String(item.resource?.uri)}]`;
    case "resource_link":
      return `[resource link ${String(item.uri)}]`;
    default:
      return `[${item.type} content omitted]`;
  }
}
