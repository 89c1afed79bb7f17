import { StorageError } from "../../storage/errors.js";
import {
  assertManualTransition,
  assertStartable,
  attemptReportOf,
  type TaskRecord,
  type TaskStatus,
} from "../../storage/tasks.js";
import type { Services } from "../context.js";
import { ApiError, badRequest } from "../errors.js";
import { requireCapability } from "../lib/capability-guard.js";
import { checkedJobInput } from "../queue/queue-requests.js";
import { taskStores } from "./task-views.js";

/** The prompt a task's run gets: its title, then its description. */
export function taskPrompt(record: TaskRecord): string {
  const { title, description } = record.task;
  return description.trim() ? `${title}\n\n${description}` : title;
}

async function taskAgent(services: Services, record: TaskRecord): Promise<string> {
  if (record.task.agent_id) return record.task.agent_id;
  for (const scope of services.scopes.listingScopes(record.scope.workspacePath, true)) {
    const id = await services.settings.defaultAgent(scope);
    if (id) return id;
  }
  throw badRequest("NO_AGENT", "agent_id: the task has no agent and no default agent is set", {
    field: "agent_id",
  });
}

/**
 * Starts a task (todo or inreview → inprogress): its agent's run is queued with the title and
 * description as the prompt, in the task's workdir (else its workspace). The status is claimed first, so
 * of two concurrent starts one gets 409; a refused enqueue puts the status back. The queue's reports then
 * move the task on (see TaskRepository.recordAttempt).
 */
export async function startTask(
  services: Services,
  record: TaskRecord,
  workdirRoots: string[] | undefined,
): Promise<TaskRecord> {
  const queue = requireCapability(services, "queue");
  const { tasks } = taskStores(services);
  assertStartable(record.id, record.task.status);
  const workspacePath = record.scope.workspacePath;
  const input = await checkedJobInput(
    services,
    {
      agent_id: await taskAgent(services, record),
      prompt: taskPrompt(record),
      workdir: record.task.workdir ?? workspacePath,
      workspace_path: workspacePath,
      source: "task",
      source_id: record.id,
      max_attempts: 1,
    },
    workdirRoots,
  );
  let previous: TaskStatus = record.task.status;
  const claimed = await tasks.update(record, (task) => {
    assertStartable(record.id, task.status);
    previous = task.status;
    return { status: "inprogress" };
  });
  let job: Awaited<ReturnType<typeof queue.enqueue>>;
  try {
    job = await queue.enqueue(input);
  } catch (error) {
    await tasks.update(record, (task) => (task.status === "inprogress" ? { status: previous } : null));
    throw error;
  }
  return (await tasks.recordAttempt(record.scope, record.id, attemptReportOf(job))) ?? claimed;
}

/**
 * A status change asked for by a person (PATCH, kanban move). → inprogress starts the task; leaving
 * inprogress cancels its run (stopping it when it runs); other moves follow MANUAL_TRANSITIONS (409).
 */
export async function changeTaskStatus(
  services: Services,
  record: TaskRecord,
  to: TaskStatus,
  workdirRoots: string[] | undefined,
): Promise<TaskRecord> {
  if (record.task.status === to) return record;
  if (to === "inprogress") return startTask(services, record, workdirRoots);
  const { tasks } = taskStores(services);
  let runningJob: string | undefined;
  const updated = await tasks.update(record, (task) => {
    assertManualTransition(record.id, task.status, to);
    if (task.status === "inprogress") runningJob = task.attempts.at(-1)?.job_id;
    return { status: to };
  });
  if (!runningJob || !services.queue) return updated;
  try {
    const job = await services.queue.cancel(runningJob);
    return (await tasks.recordAttempt(record.scope, record.id, attemptReportOf(job))) ?? updated;
  } catch (error) {
    // The run ended meanwhile (or its job was trimmed): nothing left to cancel.
    if (error instanceof StorageError && ["JOB_FINISHED", "JOB_NOT_FOUND"].includes(error.code))
      return updated;
    if (error instanceof ApiError && error.status === 404) return updated;
    throw error;
  }
}
