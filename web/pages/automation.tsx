import { CronJobs } from "../components/cron-jobs.js";
import { KanbanBoard } from "../components/kanban-board.js";
import { QueueLanes } from "../components/queue-lanes.js";
import { PageHeader } from "../components/status.js";
import { allows, useWho } from "../session.js";

/** `#/automation`: cron jobs, the queue by lane and the tasks' kanban board. */
export default function AutomationPage() {
  const canEdit = allows(useWho(), "operator");
  return (
    <section aria-labelledby="page-title" class="stack">
      <PageHeader title="Automation" />
      <CronJobs canEdit={canEdit} />
      <QueueLanes />
      <KanbanBoard canEdit={canEdit} />
    </section>
  );
}
