import { describe, expect, it } from "vitest";
import {
  BatchOutcomeSchema,
  batchInputs,
  batchResults,
  createBatches,
  MAX_BATCHES,
  noBatches,
  planBatches,
} from "./batch-outcome.js";

describe("planBatches", () => {
  it("covers every item once, the last batch holding the rest", () => {
    expect(planBatches({ total: 1200, batchSize: 500 })).toEqual([
      { batch_id: "001", start_cursor: 0, end_cursor: 500, batch_size: 500 },
      { batch_id: "002", start_cursor: 500, end_cursor: 1000, batch_size: 500 },
      { batch_id: "003", start_cursor: 1000, end_cursor: 1200, batch_size: 200 },
    ]);
    expect(planBatches({ total: 0, batchSize: 10 })).toEqual([]);
    expect(
      planBatches({ total: 3, batchSize: 2, start: 10 }).map((c) => [c.start_cursor, c.end_cursor]),
    ).toEqual([
      [10, 12],
      [12, 13],
    ]);
  });

  it("takes the batch size from the batchable step's batch_config unless given", () => {
    const config = { batch_size: 2 };
    expect(planBatches({ total: 5, batchConfig: config }).map((c) => c.batch_size)).toEqual([2, 2, 1]);
    expect(planBatches({ total: 5, batchSize: 5, batchConfig: config }).map((c) => c.batch_size)).toEqual([
      5,
    ]);
    expect(() => planBatches({ total: 5, batchConfig: null })).toThrow(/batchSize, or batchConfig/);
  });

  it("pads batch ids so that instance names sort in batch order", () => {
    const ids = planBatches({ total: 12_000, batchSize: 2 }).map((c) => c.batch_id);
    expect(ids[0]).toBe("0001");
    expect([...ids].sort()).toEqual(ids);
  });

  it("refuses bad sizes and more batches than the limit", () => {
    expect(() => planBatches({ total: 10, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => planBatches({ total: -1, batchSize: 1 })).toThrow(/total/);
    expect(() => planBatches({ total: MAX_BATCHES + 1, batchSize: 1 })).toThrow(/more than 10000/);
  });
});

describe("createBatches and noBatches", () => {
  it("write an outcome the schema accepts, with the handler's own fields beside it", () => {
    const result = createBatches(planBatches({ total: 3, batchSize: 2 }), { result: { source: "x.csv" } });
    expect(result).toMatchObject({
      source: "x.csv",
      batch_processing_outcome: { type: "create_batches", total_items: 3, worker_count: 2 },
    });
    expect(BatchOutcomeSchema.safeParse(result.batch_processing_outcome).success).toBe(true);
    expect(noBatches({ rows: 0 })).toEqual({ rows: 0, batch_processing_outcome: { type: "no_batches" } });
  });

  it("the schema refuses a batch id that cannot end a step name", () => {
    const bad = {
      type: "create_batches",
      cursor_configs: [{ batch_id: "A-1", start_cursor: 0, end_cursor: 1, batch_size: 1 }],
    };
    expect(BatchOutcomeSchema.safeParse(bad).success).toBe(false);
  });
});

describe("batchInputs and batchResults", () => {
  it("read an instance's batch, and refuse a step that is not one", () => {
    const batch = { batch_id: "001", start_cursor: 0, end_cursor: 5 };
    expect(batchInputs({ stepName: "p_001", initialization: { batch } })).toBe(batch);
    expect(() => batchInputs({ stepName: "report", initialization: {} })).toThrow(
      /not a batch worker instance/,
    );
  });

  it("gather the instances' results by batch id, in order, and nothing else; failed instances told apart", () => {
    const failed = {
      batch_failed: true,
      batch_id: "003",
      error: { message: "x", code: null, kind: "permanent" },
    };
    expect(batchResults({ p_002: { n: 2 }, split: { x: 1 }, p_001: { n: 1 }, p_003: failed }, "p")).toEqual([
      { batch_id: "001", failed: false, result: { n: 1 } },
      { batch_id: "002", failed: false, result: { n: 2 } },
      { batch_id: "003", failed: true, result: failed },
    ]);
  });
});
