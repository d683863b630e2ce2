// Steps claimed and their outcomes stored by the test itself, through a chosen planner, as one
// worker would: to store one outcome twice, or twice at once.
import type { OutcomePlanner, OutcomeToStore } from "../../src/lifecycle/store-outcomes.js";
import { createLogger } from "../../src/observability/logger.js";
import type { Database } from "../../src/store/database.js";
import { type ClaimedStep, claimStep } from "../../src/store/sql/steps.js";

const logger = createLogger({ level: "silent" });

/** `db` is read at each call: a describe block's database is opened later, in its beforeAll. */
export function storedByHand(db: () => Database, planner: OutcomePlanner, workerId: string) {
  return {
    async claim(uuid: string): Promise<ClaimedStep> {
      const claimed = await claimStep(db(), uuid, workerId, 30);
      if (!claimed || claimed === "busy") throw new Error(`step ${uuid} could not be claimed`);
      return claimed;
    },
    store(
      step: { task_uuid: string; workflow_step_uuid: string; attempts: number },
      outcome: OutcomeToStore["outcome"],
    ) {
      const o: OutcomeToStore = {
        taskUuid: step.task_uuid,
        stepUuid: step.workflow_step_uuid,
        workerId,
        attempts: step.attempts,
        outboxMsgId: null,
        outcome,
      };
      return db().transaction((tx) => planner.store(tx, [o], { jitterPercent: 0, logger }));
    },
  };
}
