import { AgentRoutesRepository, type RoutesFile } from "../../storage/agent-routes.js";
import { DomainError } from "../../storage/errors.js";
import { firstMatchingRule, type RouteInput, ruleName } from "../../storage/rules/agent-routing.js";
import { allowedWorkdirRoots, findRunnableAgent, resolveWorkdir } from "../../storage/rules/run-requests.js";
import type { Services } from "../context.js";

export interface RouteDecision {
  agent_id: string | null;
  decided_by: "rule" | "classifier" | "fallback" | "current" | "default" | "none";
  explanation: string;
  rule?: { id: string | null; index: number; matched: string[] };
  classifier?: { agent_id: string; candidates: string[]; run_id?: string; reply?: string; error?: string };
  mode: string;
  score: number;
  reason: string;
}

interface DecideInput extends RouteInput {
  currentAgent?: string;
  classify: boolean;
  workdirRoots?: string[];
}

/**
 * Which agent answers a message: the first matching rule of routes.yaml; else the classifier agent (when
 * one is configured and runs are available) picking among its candidates; else the file's fallback, the
 * caller's current agent or the default agent. The answer says which step decided and why.
 */
export async function decideRoute(services: Services, input: DecideInput): Promise<RouteDecision> {
  const file = await new AgentRoutesRepository(services.scopes.global()).read();
  const match = firstMatchingRule(file.rules, input);
  if (match) {
    const name = ruleName(match);
    return answer(input, {
      agent_id: match.rule.agent,
      decided_by: "rule",
      explanation: `rule '${name}' (${match.index + 1} of ${file.rules.length}) matched: ${match.matched.join(", ")}`,
      rule: { id: match.rule.id ?? null, index: match.index, matched: match.matched },
      score: match.matched.length,
    });
  }
  const noRule = file.rules.length === 0 ? "no routing rules" : `none of ${file.rules.length} rules matched`;
  let classifierNote = "";
  let classifier: RouteDecision["classifier"];
  if (file.classifier && input.classify && services.runs) {
    classifier = await classify(services, file, input);
    if (classifier.error === undefined && classifier.reply !== undefined) {
      const picked = pickCandidate(classifier.reply, classifier.candidates);
      if (picked) {
        return answer(input, {
          agent_id: picked,
          decided_by: "classifier",
          explanation: `${noRule}; classifier agent '${classifier.agent_id}' picked '${picked}' among ${classifier.candidates.join(", ")}`,
          classifier,
          score: 1,
        });
      }
      classifierNote = `; classifier agent '${classifier.agent_id}' named none of ${classifier.candidates.join(", ")}`;
    } else {
      classifierNote = `; classifier agent '${classifier.agent_id}' failed: ${classifier.error}`;
    }
  }
  const fallback = await fallbackAgent(services, file, input.currentAgent);
  return answer(input, {
    agent_id: fallback?.agent ?? null,
    decided_by: fallback?.by ?? "none",
    explanation: `${noRule}${classifierNote}; ${fallback ? fallback.why : "no fallback, current or default agent"}`,
    ...(classifier ? { classifier } : {}),
    score: 0,
  });
}

function answer(input: DecideInput, decision: Omit<RouteDecision, "mode" | "reason">): RouteDecision {
  // OpenVesper's fields: the mode answering, and the reason in one line.
  return {
    ...decision,
    mode: decision.agent_id ?? input.currentAgent ?? "auto",
    reason: decision.explanation,
  };
}

async function fallbackAgent(
  services: Services,
  file: RoutesFile,
  currentAgent: string | undefined,
): Promise<{ agent: string; by: RouteDecision["decided_by"]; why: string } | undefined> {
  if (file.fallback_agent)
    return { agent: file.fallback_agent, by: "fallback", why: "routes.yaml fallback_agent" };
  if (currentAgent) return { agent: currentAgent, by: "current", why: "the current agent keeps the message" };
  const fromSettings = await services.settings.defaultAgent(services.scopes.global());
  return fromSettings ? { agent: fromSettings, by: "default", why: "the default agent" } : undefined;
}

/** Runs the classifier agent on the message; its failure is reported, never thrown (the route falls back). */
async function classify(
  services: Services,
  file: RoutesFile,
  input: DecideInput,
): Promise<NonNullable<RouteDecision["classifier"]>> {
  const config = file.classifier!;
  const candidates = config.candidates ?? [...new Set(file.rules.map((r) => r.agent))];
  const base = { agent_id: config.agent, candidates };
  if (candidates.length === 0) return { ...base, error: "it has no candidates (classifier.candidates)" };
  try {
    const workspacePath = input.workspacePath ?? services.scopes.home;
    const agent = await findRunnableAgent(services, config.agent, workspacePath);
    const workdir = await resolveWorkdir(
      services,
      agent,
      allowedWorkdirRoots(services, agent, input.workdirRoots)[0]!,
      input.workdirRoots,
    );
    const described = await Promise.all(
      candidates.map((id) => describeCandidate(services, id, workspacePath)),
    );
    const prompt = [
      "Pick the agent that should answer the message below.",
      config.instructions ?? "",
      "Candidates:",
      ...described,
      input.channel ? `Channel: ${input.channel}` : "",
      input.sender ? `Sender: ${input.sender}` : "",
      "Message:",
      input.message,
      'Answer with only JSON: {"agent": "<one candidate id>"}',
    ]
      .filter((line) => line !== "")
      .join("\n");
    const run = await services.runs!.start({ agent, prompt, workdir, source: "route-classifier" });
    const outcome = await run.done;
    if (outcome.status !== "completed") {
      return { ...base, run_id: outcome.runId, error: outcome.error ?? `the run ${outcome.status}` };
    }
    return { ...base, run_id: outcome.runId, reply: outcome.response };
  } catch (error) {
    if (error instanceof DomainError) return { ...base, error: error.message };
    throw error;
  }
}

async function describeCandidate(services: Services, id: string, workspacePath: string): Promise<string> {
  const record = await services.agents.find(services.scopes.listingScopes(workspacePath, true), id);
  const description = record?.config.description;
  return `- ${id}${record?.config.name && record.config.name !== id ? ` (${record.config.name})` : ""}${description ? `: ${description}` : ""}`;
}

/** The candidate the classifier named: `{"agent": id}` first, else the first candidate id in its reply. */
export function pickCandidate(reply: string, candidates: readonly string[]): string | undefined {
  const json = /\{[^{}]*\}/.exec(reply)?.[0];
  if (json) {
    try {
      const agent = (JSON.parse(json) as { agent?: unknown }).agent;
      if (typeof agent === "string" && candidates.includes(agent)) return agent;
    } catch {
      // Not JSON after all: look for a bare id below.
    }
  }
  const positions = candidates
    .map((id) => ({
      id,
      at: reply.search(new RegExp(`(^|[^\\p{L}\\p{N}_-])${escapeRegex(id)}($|[^\\p{L}\\p{N}_-])`, "u")),
    }))
    .filter((p) => p.at >= 0)
    .sort((a, b) => a.at - b.at);
  return positions[0]?.id;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
