// How many PostgreSQL connections the app database pool opens in each kind of process. A step
// handler holds one while it runs, so the pool has one for each handler that may run at once
// (the worker's concurrency), plus connections for whatever else the process runs: with fewer,
// a route or a job waits for a connection while the handlers hold them all.

/**
 * The app process's connections besides its step handlers', shared by its routes and its job
 * processors (which take up to JOB_CONNECTIONS of them when all of them run).
 */
export const ROUTES_AND_JOBS_CONNECTIONS = 10;

/**
 * A remote worker's connections besides its step handlers': it serves no routes, but runs the job
 * processors (handlers enqueue jobs where they run): email delivery and the async order intake,
 * four at a time each (jobs/email.ts, lib/task-intake.ts).
 */
export const JOB_CONNECTIONS = 8;
