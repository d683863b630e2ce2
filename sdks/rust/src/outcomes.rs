//! Outcomes that change a task's shape at run time, as a handler returns them: a decision step's
//! branches ([`Decision`]) and a batchable step's batches ([`BatchPlan`]), written into the result
//! under the key the server reads (`decision_point_outcome`, `batch_processing_outcome`; see the
//! worker protocol's Outcomes); and what a batch worker instance is given ([`BatchInputs`],
//! [`StepContext::batch`](crate::StepContext::batch)).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The key of a decision step's result that carries its outcome.
pub const DECISION_OUTCOME_KEY: &str = "decision_point_outcome";
/// The key of a batchable step's result that carries its outcome.
pub const BATCH_OUTCOME_KEY: &str = "batch_processing_outcome";
/// The most instances one batchable step's outcome may create (the server refuses more).
pub const MAX_BATCHES: u64 = 10_000;

/// A decision step's choice: `Ok(Decision::create_steps(["manager_approval"]).into_result())`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Creates these steps (and the steps behind them); a name the decision cannot create fails
    /// the step for good (`invalid_decision_outcome`).
    CreateSteps(Vec<String>),
    /// Creates none of the steps behind the decision.
    NoBranches,
}

impl Decision {
    /// Creates `names` and the steps behind them.
    pub fn create_steps<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Decision::CreateSteps(names.into_iter().map(Into::into).collect())
    }

    /// Creates none of the steps behind the decision.
    pub fn no_branches() -> Self {
        Decision::NoBranches
    }

    /// The outcome as the protocol writes it.
    pub fn outcome(&self) -> Value {
        match self {
            Decision::CreateSteps(names) => json!({ "type": "create_steps", "step_names": names }),
            Decision::NoBranches => json!({ "type": "no_branches" }),
        }
    }

    /// The step's result: only the outcome.
    pub fn into_result(self) -> Value {
        self.with_result(Map::new())
    }

    /// The step's result: `result`'s fields and the outcome.
    pub fn with_result(self, mut result: Map<String, Value>) -> Value {
        result.insert(DECISION_OUTCOME_KEY.into(), self.outcome());
        Value::Object(result)
    }
}

impl From<Decision> for Value {
    fn from(decision: Decision) -> Value {
        decision.into_result()
    }
}

/// One batch: its id (the instance is `{worker_template}_{batch_id}`) and its cursor range
/// (start inclusive, end exclusive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CursorConfig {
    /// 1-40 characters of `a-z0-9_`, once per outcome.
    pub batch_id: String,
    /// Where the batch starts (a number, a string or an object).
    pub start_cursor: Value,
    /// Where the batch ends (exclusive).
    pub end_cursor: Value,
    /// Items in the batch.
    pub batch_size: u64,
}

/// Cursor configs for `total` items numbered from `start` in batches of `batch_size`: batch ids
/// `001`, `002`, ... (zero-padded so that instance names sort in order). `batch_size` 0 is taken
/// as 1.
pub fn plan_batches(total: u64, batch_size: u64, start: u64) -> Vec<CursorConfig> {
    let size = batch_size.max(1);
    let count = total.div_ceil(size);
    let width = count.to_string().len().max(3);
    (0..count)
        .map(|i| {
            let from = start + i * size;
            let to = (start + total).min(from + size);
            CursorConfig {
                batch_id: format!("{:0width$}", i + 1),
                start_cursor: json!(from),
                end_cursor: json!(to),
                batch_size: to - from,
            }
        })
        .collect()
}

/// A batchable step's plan: `Ok(BatchPlan::create_batches(plan_batches(rows, 500, 0)).into_result())`.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchPlan {
    /// One instance of the step's worker template per cursor config.
    CreateBatches {
        /// The batches.
        cursor_configs: Vec<CursorConfig>,
        /// Items in all batches (default: the sum of their sizes).
        total_items: Option<u64>,
    },
    /// Nothing to process: one no-op instance runs, so the steps after the batch still run.
    NoBatches,
}

impl BatchPlan {
    /// One instance per cursor config.
    pub fn create_batches(cursor_configs: Vec<CursorConfig>) -> Self {
        BatchPlan::CreateBatches { cursor_configs, total_items: None }
    }

    /// Nothing to process.
    pub fn no_batches() -> Self {
        BatchPlan::NoBatches
    }

    /// The total number of items, when it is not the sum of the batches' sizes.
    pub fn total_items(self, total: u64) -> Self {
        match self {
            BatchPlan::CreateBatches { cursor_configs, .. } => {
                BatchPlan::CreateBatches { cursor_configs, total_items: Some(total) }
            }
            BatchPlan::NoBatches => BatchPlan::NoBatches,
        }
    }

    /// The outcome as the protocol writes it.
    pub fn outcome(&self) -> Value {
        match self {
            BatchPlan::CreateBatches { cursor_configs, total_items } => {
                let total = total_items.unwrap_or_else(|| cursor_configs.iter().map(|c| c.batch_size).sum());
                json!({
                    "type": "create_batches",
                    "cursor_configs": cursor_configs,
                    "total_items": total,
                    "worker_count": cursor_configs.len(),
                })
            }
            BatchPlan::NoBatches => json!({ "type": "no_batches" }),
        }
    }

    /// The step's result: only the outcome.
    pub fn into_result(self) -> Value {
        self.with_result(Map::new())
    }

    /// The step's result: `result`'s fields and the outcome.
    pub fn with_result(self, mut result: Map<String, Value>) -> Value {
        result.insert(BATCH_OUTCOME_KEY.into(), self.outcome());
        Value::Object(result)
    }
}

impl From<BatchPlan> for Value {
    fn from(plan: BatchPlan) -> Value {
        plan.into_result()
    }
}

/// A batch worker instance's batch (its claim's `initialization.batch`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchInputs {
    /// The batch's id (`0` for the no-op instance of `no_batches`).
    pub batch_id: String,
    /// Where the batch starts (inclusive).
    pub start_cursor: Value,
    /// Where the batch ends (exclusive).
    pub end_cursor: Value,
    /// Items in the batch.
    pub batch_size: u64,
    /// The batchable step's `batch_config.cursor_field`, when it has one.
    #[serde(default)]
    pub cursor_field: Option<String>,
    /// Items in all batches.
    #[serde(default)]
    pub total_items: Option<u64>,
    /// How many batches there are.
    #[serde(default)]
    pub batch_count: u64,
    /// The instance `no_batches` creates: nothing to process.
    #[serde(default)]
    pub no_op: bool,
    /// The batchable step's `batch_config.failure_strategy`.
    #[serde(default)]
    pub failure_strategy: Option<String>,
}

/// Every instance of `worker_template` among a convergence step's dependency results, by batch
/// id: `(batch_id, failed, result)`; `failed` for a `continue_on_failure` instance that failed
/// for good (its result is `{"batch_failed": true, "batch_id", "error"}`).
pub fn batch_results<'a>(dependency_results: &'a Map<String, Value>, worker_template: &str) -> Vec<(String, bool, &'a Value)> {
    let prefix = format!("{worker_template}_");
    let mut out: Vec<(String, bool, &Value)> = dependency_results
        .iter()
        .filter_map(|(name, result)| {
            let id = name.strip_prefix(&prefix)?;
            let failed = result.get("batch_failed") == Some(&Value::Bool(true));
            Some((id.to_owned(), failed, result))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_write_their_outcome_beside_the_result() {
        let mut extra = Map::new();
        extra.insert("amount".into(), json!(5000));
        assert_eq!(
            Decision::create_steps(["manager_approval"]).with_result(extra),
            json!({ "amount": 5000, "decision_point_outcome": { "type": "create_steps", "step_names": ["manager_approval"] } })
        );
        assert_eq!(Value::from(Decision::no_branches()), json!({ "decision_point_outcome": { "type": "no_branches" } }));
    }

    #[test]
    fn plan_batches_covers_every_item_once() {
        let plan = plan_batches(5, 2, 0);
        let ids: Vec<_> = plan.iter().map(|c| c.batch_id.as_str()).collect();
        assert_eq!(ids, ["001", "002", "003"]);
        assert_eq!((plan[2].start_cursor.clone(), plan[2].end_cursor.clone(), plan[2].batch_size), (json!(4), json!(5), 1));
        assert!(plan_batches(0, 2, 0).is_empty());
        let outcome = BatchPlan::create_batches(plan).outcome();
        assert_eq!(outcome["total_items"], json!(5));
        assert_eq!(outcome["worker_count"], json!(3));
    }
}
