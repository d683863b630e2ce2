// How many PostgreSQL connections the app database pool opens in each kind of process. A step
// handler holds one while it runs, so the pool has one for each handler that may run at once
// (the worker's concurrency), plus connections for whatever else the process runs: with fewer,
// a route or a job waits for a connection while the handlers hold them all.

/**
 * The app process's connections besides its step handlers', shared by its routes and its job
 * processors (which take up to JOB_CONNECTIONS of them when all of them run).
 */
const ROUTES_AND_JOBS_CONNECTIONS = 10;

/**
 * A worker-only process's connections besides its step handlers' (`npm run worker`, local or
 * --remote): it serves no routes, but runs the job processors (handlers enqueue jobs where they
 * run): email delivery and the async order intake, four at a time each (jobs/email.ts,
 * lib/task-intake.ts).
 */
const JOB_CONNECTIONS = 8;

/**
 * The app database pool's size for a process running `concurrency` step handlers at once, with
 * the app's routes (the app process) or without them (a worker-only process).
 */
export function appPoolSize(concurrency: number, options: { routes: boolean }): number {
  return concurrency + (options.routes ? ROUTES_AND_JOBS_CONNECTIONS : JOB_CONNECTIONS);
}
