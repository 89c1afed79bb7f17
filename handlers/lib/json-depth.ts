/**
 * How deeply a JSON body may nest. Bodies end up as YAML files and in the run journal, whose serialisers
 * recurse once per level (about 2,000 levels overflow the stack); no real agent, MCP server, provider or
 * webhook payload comes near this many.
 */
export const MAX_JSON_DEPTH = 64;

type Segment = string | number;
interface Node {
  value: unknown;
  depth: number;
  key?: Segment;
  parent?: Node;
}

/**
 * The path to the first object or array nested more than `max` levels deep (the body itself is level 1),
 * or undefined. Walks with its own stack, so a deep value cannot overflow the call stack here either.
 */
export function tooDeepPath(value: unknown, max = MAX_JSON_DEPTH): Segment[] | undefined {
  const pending: Node[] = [{ value, depth: 1 }];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (node.value === null || typeof node.value !== "object") continue;
    if (node.depth > max) return pathOf(node);
    const entries = Array.isArray(node.value) ? node.value.entries() : Object.entries(node.value);
    for (const [key, child] of entries) {
      if (child !== null && typeof child === "object") {
        pending.push({ value: child, depth: node.depth + 1, key, parent: node });
      }
    }
  }
  return undefined;
}

function pathOf(node: Node): Segment[] {
  const path: Segment[] = [];
  for (let at: Node | undefined = node; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}
