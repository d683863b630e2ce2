//! The app's background job queue, with the shape of a real one (BullMQ, Sidekiq, apalis):
//! named queues, `add(queue, data, options)`, one processor per queue with a concurrency,
//! retries with backoff, job ids that are not added twice, `drain` and `close`. Jobs run on
//! the app's tokio runtime (`tokio::spawn`); a Redis-backed queue can take its place behind the
//! same methods.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Notify, Semaphore};

/// One delivery of a job to its processor.
#[derive(Debug, Clone)]
pub struct Job {
    /// The job's id (given, or made up).
    pub id: String,
    /// Its queue.
    pub queue: String,
    /// Its data.
    pub data: Value,
    /// 1 on the first try.
    pub attempt: u32,
    /// Tries in all.
    pub max_attempts: u32,
}

impl Job {
    /// Whether a failure now is final.
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }
}

/// How a job is retried.
#[derive(Debug, Clone)]
pub struct JobOptions {
    /// Tries including the first (default 1).
    pub attempts: u32,
    /// Delay before try n+1: `backoff * 2^(n-1)`.
    pub backoff: Duration,
    /// A job with the id of one waiting or running is not added again.
    pub job_id: Option<String>,
}

impl Default for JobOptions {
    fn default() -> Self {
        Self { attempts: 1, backoff: Duration::from_millis(500), job_id: None }
    }
}

type JobFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;
type Processor = Arc<dyn Fn(Job) -> JobFuture + Send + Sync>;

struct Queue {
    processor: Processor,
    slots: Arc<Semaphore>,
}

#[derive(Default)]
struct Inner {
    queues: Mutex<HashMap<String, Queue>>,
    active_ids: Mutex<HashSet<String>>,
    running: AtomicUsize,
    idle: Notify,
    closed: AtomicBool,
    next_id: AtomicUsize,
}

/// The in-process job queue. Cheap to clone.
#[derive(Clone, Default)]
pub struct JobQueue {
    inner: Arc<Inner>,
}

/// Why a job was not added.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// After [`JobQueue::close`].
    #[error("the job queue is closed")]
    Closed,
    /// Nobody processes that queue in this process.
    #[error("no processor for queue {0}")]
    NoProcessor(String),
}

impl JobQueue {
    /// An empty queue set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Which backend this is (for `/health`).
    pub fn backend(&self) -> &'static str {
        "tokio"
    }

    /// Starts processing `queue` with at most `concurrency` jobs at once.
    pub fn process<F, Fut>(&self, queue: &str, concurrency: usize, f: F)
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let processor: Processor = Arc::new(move |job| Box::pin(f(job)));
        let slots = Arc::new(Semaphore::new(concurrency.max(1)));
        self.inner.queues.lock().unwrap().insert(queue.to_owned(), Queue { processor, slots });
    }

    /// Adds a job; returns its id (the existing one's when `job_id` is already waiting or running).
    pub fn add(&self, queue: &str, data: Value, options: JobOptions) -> Result<String, JobError> {
        if self.inner.closed.load(Ordering::SeqCst) {
            return Err(JobError::Closed);
        }
        let (processor, slots) = {
            let queues = self.inner.queues.lock().unwrap();
            let q = queues.get(queue).ok_or_else(|| JobError::NoProcessor(queue.to_owned()))?;
            (q.processor.clone(), q.slots.clone())
        };
        let id = options.job_id.clone().unwrap_or_else(|| format!("{queue}-{}", self.inner.next_id.fetch_add(1, Ordering::SeqCst) + 1));
        if !self.inner.active_ids.lock().unwrap().insert(id.clone()) {
            return Ok(id);
        }
        self.inner.running.fetch_add(1, Ordering::SeqCst);
        let inner = self.inner.clone();
        let job_id = id.clone();
        let job = Job { id: id.clone(), queue: queue.to_owned(), data, attempt: 1, max_attempts: options.attempts.max(1) };
        tokio::spawn(async move {
            run(job, &options, processor, slots).await;
            inner.active_ids.lock().unwrap().remove(&job_id);
            if inner.running.fetch_sub(1, Ordering::SeqCst) == 1 {
                inner.idle.notify_waiters();
            }
        });
        Ok(id)
    }

    /// Waits until nothing is waiting or running.
    pub async fn drain(&self) {
        loop {
            let idle = self.inner.idle.notified();
            if self.inner.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), idle).await;
        }
    }

    /// Takes no new jobs and waits (up to `timeout`) for the running ones.
    pub async fn close(&self, timeout: Duration) {
        self.inner.closed.store(true, Ordering::SeqCst);
        let _ = tokio::time::timeout(timeout, self.drain()).await;
    }
}

async fn run(mut job: Job, options: &JobOptions, processor: Processor, slots: Arc<Semaphore>) {
    loop {
        let result = {
            let _slot = slots.acquire().await;
            // A panicking job is a failed try, not a dead queue.
            match tokio::spawn(processor(job.clone())).await {
                Ok(result) => result,
                Err(e) => Err(format!("the job panicked: {e}")),
            }
        };
        match result {
            Ok(()) => return,
            Err(error) if job.is_last_attempt() => {
                tracing::error!(queue = %job.queue, job_id = %job.id, attempts = job.attempt, %error, "job failed for good");
                return;
            }
            Err(error) => {
                let delay = options.backoff * 2u32.saturating_pow(job.attempt - 1);
                tracing::warn!(queue = %job.queue, job_id = %job.id, attempt = job.attempt, %error, retry_in_ms = delay.as_millis() as u64, "job failed; retrying");
                tokio::time::sleep(delay).await;
                job.attempt += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[tokio::test]
    async fn retries_with_backoff_and_never_runs_one_id_twice_at_once() {
        let jobs = JobQueue::new();
        let tries = Arc::new(AtomicU32::new(0));
        let seen = tries.clone();
        jobs.process("flaky", 2, move |job| {
            let seen = seen.clone();
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                if job.attempt < 3 {
                    Err(format!("try {}", job.attempt))
                } else {
                    Ok(())
                }
            }
        });
        let options = JobOptions { attempts: 5, backoff: Duration::from_millis(5), job_id: Some("one".into()) };
        assert_eq!(jobs.add("flaky", Value::Null, options.clone()).unwrap(), "one");
        assert_eq!(jobs.add("flaky", Value::Null, options).unwrap(), "one");
        jobs.drain().await;
        assert_eq!(tries.load(Ordering::SeqCst), 3);
        assert!(matches!(jobs.add("nobody", Value::Null, JobOptions::default()), Err(JobError::NoProcessor(_))));
        jobs.close(Duration::from_secs(1)).await;
        assert!(matches!(jobs.add("flaky", Value::Null, JobOptions::default()), Err(JobError::Closed)));
    }
}
