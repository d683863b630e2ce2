import { EventEmitter } from "node:events";
import { createTestDatabase, type TestDatabase } from "@tasker-ts/tasker/testing";
import { Logger, type Runner, run, type Task, type WorkerEvents } from "graphile-worker";
import pg from "pg";
import { CompletionTracker } from "./completion-tracker.js";

const CHAIN_LENGTH = 5;
const TIMEOUT_MS = 60_000;

interface ChainPayload {
  chain: string;
  step: number;
}

/**
 * The baseline: graphile-worker (a mature Postgres job queue) running the benchmark's 5-step chain
 * as 5 jobs, each enqueueing its successor, on its own database of the same PostgreSQL server.
 * A chain is done when its 5th job's completion is written back (`job:complete`), the moment
 * that matches a tasker task reaching `complete`. All options are graphile-worker's defaults
 * except concurrency, as on the tasker side.
 */
export class GraphileChain {
  readonly tracker = new CompletionTracker();
  private runner: Runner | undefined;
  private readonly events: WorkerEvents = new EventEmitter() as WorkerEvents;
  /**
   * The runner's pool, ours to end before the database is dropped: left to graphile-worker, an
   * idle connection could outlive stop(), and its termination by the drop was an unheard 'error'
   * that crashed the benchmark. Same size as graphile-worker's default pool.
   */
  private readonly pool: pg.Pool;
  private sequence = 0;

  private constructor(private readonly db: TestDatabase) {
    this.pool = new pg.Pool({ connectionString: db.url, max: 10 });
    this.pool.on("error", () => undefined);
    this.events.on("job:complete", ({ job, error }) => {
      const payload = job.payload as ChainPayload;
      if (error) this.tracker.record(payload.chain, false, `job ${payload.step} failed: ${String(error)}`);
      else if (payload.step === CHAIN_LENGTH) this.tracker.record(payload.chain, true, "complete");
    });
  }

  static async open(concurrency: number): Promise<GraphileChain> {
    const db = await createTestDatabase("tasker_bench_graphile");
    const chain = new GraphileChain(db);
    try {
      await chain.setConcurrency(concurrency);
      return chain;
    } catch (err) {
      await chain.pool.end().catch(() => undefined);
      await db.drop();
      throw err;
    }
  }

  /** (Re)starts the runner with this many concurrent jobs. */
  async setConcurrency(concurrency: number): Promise<void> {
    await this.runner?.stop();
    const step: Task = async (payload, helpers) => {
      const p = payload as ChainPayload;
      if (p.step < CHAIN_LENGTH) await helpers.addJob("chain_step", { chain: p.chain, step: p.step + 1 });
    };
    this.runner = await run({
      pgPool: this.pool,
      concurrency,
      noHandleSignals: true,
      taskList: { chain_step: step },
      events: this.events,
      logger: new Logger(() => () => undefined),
    });
  }

  /** Enqueues the first job of a new chain; resolves with the chain's id. */
  async create(): Promise<string> {
    const chain = `chain-${++this.sequence}`;
    await this.runner!.addJob("chain_step", { chain, step: 1 });
    return chain;
  }

  async runOnce(): Promise<number> {
    const start = performance.now();
    const chain = await this.create();
    const done = await this.tracker.wait(chain, TIMEOUT_MS);
    if (!done.ok) throw new Error(`graphile-worker ${chain} did not complete: ${done.detail}`);
    return done.at - start;
  }

  waitTimeoutMs(tasks: number): number {
    return TIMEOUT_MS + tasks * 100;
  }

  async close(): Promise<void> {
    await this.runner?.stop().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
    await this.db.drop();
  }
}
