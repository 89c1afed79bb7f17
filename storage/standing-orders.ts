import { isMap, isSeq, type YAMLMap } from "yaml";
import { notFound, StorageError } from "./errors.js";
import { idSchema } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { z } from "./zod.js";

export const STANDING_ORDERS_FILE = "standing-orders.yaml";
const LIST_KEY = "orders";
/** `agent` of an order that applies to every agent. */
export const ALL_AGENTS = "*";
export const STANDING_ORDER_KINDS = ["constraint", "trigger"] as const;

/**
 * A standing order as OpenVesper keeps it (openvesper/openvesper apps/gateway/src/standing-orders.ts):
 * camelCase, times in epoch ms. `constraint` orders join the instructions of every run of their agent
 * (or of all agents with `*`); `trigger` orders are kept and listed, as the original does.
 */
export const StandingOrderSchema = z
  .object({
    id: z.string().min(1),
    kind: z.enum(STANDING_ORDER_KINDS),
    agent: z.union([z.literal(ALL_AGENTS), idSchema]),
    rule: z.string().min(1),
    triggerWhen: z.string().optional(),
    triggerAction: z.string().optional(),
    createdAt: z.number(),
    enabled: z.boolean(),
    lastFiredAt: z.number().optional(),
    fireCount: z.number().optional(),
  })
  .loose();

export type StandingOrder = z.infer<typeof StandingOrderSchema>;
export type StandingOrderInput = Pick<
  StandingOrder,
  "kind" | "agent" | "rule" | "triggerWhen" | "triggerAction"
>;

/**
 * `standing-orders.yaml` (`orders:` list) in the global data folder: human-editable, every change an
 * atomic replace of the file made on its parsed document, so comments and hand-written keys survive.
 */
export class StandingOrderRepository {
  constructor(
    private readonly scope: Scope,
    private readonly now: () => number = Date.now,
    private readonly newId: () => string = () => `so_${Date.now()}_${crypto.randomUUID().slice(0, 8)}`,
  ) {}

  async list(filter: { agent?: string; kind?: StandingOrder["kind"]; enabled?: boolean } = {}) {
    const stored = await this.scope.store.read(STANDING_ORDERS_FILE);
    const raw = stored?.data[LIST_KEY];
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw this.corrupt(`${LIST_KEY}: must be a list`);
    return raw
      .map((entry, index) => {
        const parsed = StandingOrderSchema.safeParse(entry);
        if (!parsed.success) throw this.corrupt(`${LIST_KEY}.${index}: ${parsed.error.issues[0]?.message}`);
        return parsed.data;
      })
      .filter(
        (o) =>
          (!filter.agent || o.agent === filter.agent || o.agent === ALL_AGENTS) &&
          (!filter.kind || o.kind === filter.kind) &&
          (filter.enabled === undefined || o.enabled === filter.enabled),
      );
  }

  async get(id: string): Promise<StandingOrder> {
    const order = (await this.list()).find((o) => o.id === id);
    if (!order) throw orderNotFound(id);
    return order;
  }

  async create(input: StandingOrderInput): Promise<StandingOrder> {
    const order: StandingOrder = {
      id: this.newId(),
      kind: input.kind,
      agent: input.agent,
      rule: input.rule,
      ...(input.triggerWhen === undefined ? {} : { triggerWhen: input.triggerWhen }),
      ...(input.triggerAction === undefined ? {} : { triggerAction: input.triggerAction }),
      createdAt: this.now(),
      enabled: true,
      fireCount: 0,
    };
    await this.scope.store.update(STANDING_ORDERS_FILE, (doc) => {
      const next = doc ?? this.scope.store.emptyDocument();
      if (!isMap(next.contents)) next.contents = next.createNode({}) as typeof next.contents;
      let seq = next.get(LIST_KEY, true);
      if (!isSeq(seq)) {
        if (seq !== undefined && seq !== null && !isNullNode(seq))
          throw this.corrupt(`${LIST_KEY}: must be a list`);
        seq = next.createNode([]);
        next.set(LIST_KEY, seq);
      }
      if (isSeq(seq)) seq.items.push(next.createNode(order) as (typeof seq.items)[number]);
      return next;
    });
    return order;
  }

  async remove(id: string): Promise<StandingOrder> {
    let removed: StandingOrder | undefined;
    await this.scope.store.update(STANDING_ORDERS_FILE, (doc) => {
      const seq = doc?.get(LIST_KEY, true);
      if (!doc || !isSeq(seq)) return null;
      const index = seq.items.findIndex((item) => isMap(item) && item.get("id") === id);
      if (index < 0) return null;
      removed = StandingOrderSchema.parse((seq.items[index] as YAMLMap).toJSON());
      seq.items.splice(index, 1);
      return doc;
    });
    if (!removed) throw orderNotFound(id);
    return removed;
  }

  /** Switches an order on or off (to `enabled` when given, else the other way). */
  async toggle(id: string, enabled?: boolean): Promise<StandingOrder> {
    let toggled: StandingOrder | undefined;
    await this.scope.store.update(STANDING_ORDERS_FILE, (doc) => {
      const seq = doc?.get(LIST_KEY, true);
      if (!doc || !isSeq(seq)) return null;
      const item = seq.items.find((node) => isMap(node) && node.get("id") === id) as YAMLMap | undefined;
      if (!item) return null;
      item.set("enabled", enabled ?? item.get("enabled") !== true);
      toggled = StandingOrderSchema.parse(item.toJSON());
      return doc;
    });
    if (!toggled) throw orderNotFound(id);
    return toggled;
  }

  /** The enabled constraints for one agent's runs, as a block for its system/append prompt; "" when none. */
  async instructionsFor(agentId: string): Promise<string> {
    const orders = await this.list({ agent: agentId, kind: "constraint", enabled: true });
    return standingOrdersText(orders);
  }

  private corrupt(message: string) {
    const path = this.scope.store.pathOf(STANDING_ORDERS_FILE);
    return new StorageError("corrupt", "INVALID_STANDING_ORDERS_FILE", `${path}: ${message}`, { file: path });
  }
}

/** The prompt block the orders become (the original's wording: rules the user set, to follow always). */
export function standingOrdersText(orders: StandingOrder[]): string {
  if (orders.length === 0) return "";
  return [
    "## Standing orders from the user",
    "",
    "These are persistent rules the user has set. Follow them in every response:",
    ...orders.map((o) => `- ${o.rule}`),
  ].join("\n");
}

const orderNotFound = (id: string) =>
  notFound("STANDING_ORDER_NOT_FOUND", `standing order '${id}' not found`, { id });

function isNullNode(node: unknown): boolean {
  return typeof node === "object" && node !== null && "value" in node && node.value === null;
}
