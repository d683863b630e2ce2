import { GroupCommit } from "../lifecycle/group-commit.js";
import { MAX_BATCH_TASKS } from "../model/task-batch.js";
import type { Database } from "../store/database.js";
import { type CreatedTask, createTaskFromTemplate, STALE_TEMPLATE } from "./create-task.js";
import { type BatchItem, createTasksFromTemplates } from "./create-tasks.js";

/** Creating statements under way at once on a server (each holds a pooled connection). */
const CREATION_WRITES = 2;

type Outcome = CreatedTask | typeof STALE_TEMPLATE;

/**
 * Group commit for creations: a task created while CREATION_WRITES creating statements are under
 * way waits for one to end, and the next statement creates every task waiting then, as a batch
 * (createTasksFromTemplates): one round trip, one plan and one commit shared by all of them. Alone,
 * a creation waits only for the end of the event loop's turn and is its own statement; the
 * creations of one turn go together (callers that a statement has just answered and who create
 * again at once make one batch, not one alone and the rest after it). Only requests without an
 * idempotency key and without a claim at creation go together, so a batch can only fail whole and
 * before writing (a template changed, the limit of unfinished tasks): then each is created on its
 * own, with its own answer.
 */
export class CreationGroup {
  private readonly group: GroupCommit<BatchItem, Outcome>;

  constructor(
    private readonly db: Database,
    private readonly maxPendingTasks: number,
  ) {
    this.group = new GroupCommit((items) => this.write(items), {
      maxInFlight: db.kind === "pglite" ? 1 : CREATION_WRITES,
      maxBatch: MAX_BATCH_TASKS,
      gatherTurn: true,
    });
  }

  create(item: BatchItem): Promise<Outcome> {
    return this.group.submit(item);
  }

  private async write(items: readonly BatchItem[]): Promise<PromiseSettledResult<Outcome>[]> {
    if (items.length > 1) {
      // Nothing was written when it failed (see above): each goes on its own below.
      const created = await createTasksFromTemplates(this.db, items, new Date(), this.maxPendingTasks).catch(
        (): typeof STALE_TEMPLATE => STALE_TEMPLATE,
      );
      if (created !== STALE_TEMPLATE) {
        return created.map((value): PromiseSettledResult<Outcome> => ({ status: "fulfilled", value }));
      }
    }
    return Promise.allSettled(
      items.map(({ choice, request }) =>
        createTaskFromTemplate(this.db, choice, request, new Date(), undefined, this.maxPendingTasks),
      ),
    );
  }
}
