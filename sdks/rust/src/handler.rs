//! Step handlers: the [`StepHandler`] trait for types, and plain async functions through
//! [`handler_fn`], [`typed_fn`] and [`typed_fn_with`]; [`HandlerRegistry`] finds them by
//! callable.

use std::collections::BTreeMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::context::{decode, StepContext};
use crate::error::StepError;

/// What a handler returns: a JSON result or a [`StepError`].
pub type StepResult = Result<Value, StepError>;

/// A boxed, sendable future (what the registry stores handlers as).
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A step handler as a type, for handlers that hold their own state:
///
/// ```
/// use serde_json::{json, Value};
/// use tasker_worker::{StepContext, StepError, StepHandler};
///
/// struct Greet { greeting: String }
///
/// impl StepHandler for Greet {
///     fn callable(&self) -> &str { "demo.greet" }
///     async fn call(&self, ctx: StepContext) -> Result<Value, StepError> {
///         Ok(json!({ "message": format!("{} from {}", self.greeting, ctx.step_name) }))
///     }
/// }
/// ```
pub trait StepHandler: Send + Sync + 'static {
    /// The key the template's `handler.callable` names.
    fn callable(&self) -> &str;

    /// Runs one attempt.
    fn call(&self, ctx: StepContext) -> impl Future<Output = StepResult> + Send;
}

/// The object-safe form every handler is stored as.
pub(crate) trait ErasedHandler: Send + Sync {
    fn callable(&self) -> &str;
    fn call_boxed(self: Arc<Self>, ctx: StepContext) -> BoxFuture<StepResult>;
}

struct Erased<H>(H);

impl<H: StepHandler> ErasedHandler for Erased<H> {
    fn callable(&self) -> &str {
        self.0.callable()
    }

    fn call_boxed(self: Arc<Self>, ctx: StepContext) -> BoxFuture<StepResult> {
        Box::pin(async move { self.0.call(ctx).await })
    }
}

fn to_json<R: Serialize>(callable: &str, result: R) -> StepResult {
    serde_json::to_value(result).map_err(|e| {
        StepError::permanent(format!("the result of {callable} cannot be encoded as JSON: {e}")).code("unencodable_result")
    })
}

/// A handler made of an async function of the [`StepContext`].
pub struct FnHandler<F> {
    callable: String,
    f: F,
}

/// A handler from a plain async function of the context, returning anything serializable:
///
/// ```
/// use serde_json::json;
/// use tasker_worker::{handler_fn, HandlerRegistry, StepContext, StepError};
///
/// async fn ping(ctx: StepContext) -> Result<serde_json::Value, StepError> {
///     Ok(json!({ "pong": ctx.attempt }))
/// }
/// let registry = HandlerRegistry::new().with(handler_fn("demo.ping", ping));
/// assert_eq!(registry.callables(), vec!["demo.ping".to_owned()]);
/// ```
pub fn handler_fn<F, Fut, R>(callable: impl Into<String>, f: F) -> FnHandler<F>
where
    F: Fn(StepContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, StepError>> + Send + 'static,
    R: Serialize,
{
    FnHandler { callable: callable.into(), f }
}

impl<F, Fut, R> StepHandler for FnHandler<F>
where
    F: Fn(StepContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, StepError>> + Send + 'static,
    R: Serialize,
{
    fn callable(&self) -> &str {
        &self.callable
    }

    async fn call(&self, ctx: StepContext) -> StepResult {
        let result = (self.f)(ctx).await?;
        to_json(&self.callable, result)
    }
}

/// "No ancestors' results needed", for the `D` of [`typed_fn`] (accepts anything).
pub type NoDeps = serde::de::IgnoredAny;

/// A handler whose inputs are parsed before it runs: the task context as `I` and the
/// ancestors' results as `D` (a struct whose fields are step names; [`NoDeps`] for none).
/// A mismatch fails the step permanently with `invalid_input`, naming the field.
pub struct TypedHandler<S, I, D, F> {
    callable: String,
    state: S,
    f: F,
    types: PhantomData<fn() -> (I, D)>,
}

/// A handler from an async function of the context and its parsed inputs:
///
/// ```
/// use serde::Deserialize;
/// use serde_json::json;
/// use tasker_worker::{typed_fn, HandlerRegistry, NoDeps, StepContext, StepError};
///
/// #[derive(Deserialize)]
/// struct Order { order_id: u64 }
///
/// async fn confirm(_ctx: StepContext, order: Order, _deps: NoDeps) -> Result<serde_json::Value, StepError> {
///     Ok(json!({ "confirmed": order.order_id }))
/// }
/// let registry = HandlerRegistry::new().with(typed_fn("shop.confirm", confirm));
/// ```
pub fn typed_fn<I, D, F, Fut, R>(callable: impl Into<String>, f: F) -> TypedHandler<(), I, D, impl Fn((), StepContext, I, D) -> Fut + Send + Sync + 'static>
where
    I: DeserializeOwned + Send + 'static,
    D: DeserializeOwned + Send + 'static,
    F: Fn(StepContext, I, D) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, StepError>> + Send + 'static,
    R: Serialize,
{
    TypedHandler { callable: callable.into(), state: (), f: move |(), ctx, i, d| f(ctx, i, d), types: PhantomData }
}

/// Like [`typed_fn`], with the app's state (a pool, a config: anything `Clone`) handed to the
/// function first, so handlers are plain `async fn(state, ctx, input, deps)`:
///
/// ```
/// use serde::Deserialize;
/// use serde_json::json;
/// use tasker_worker::{typed_fn_with, HandlerRegistry, StepContext, StepError};
///
/// #[derive(Clone)]
/// struct App { currency: &'static str }
/// #[derive(Deserialize)]
/// struct Order { total: f64 }
/// #[derive(Deserialize)]
/// struct Deps { validate: Order }
///
/// async fn charge(app: App, _ctx: StepContext, _order: Order, deps: Deps) -> Result<serde_json::Value, StepError> {
///     Ok(json!({ "charged": deps.validate.total, "currency": app.currency }))
/// }
/// let registry = HandlerRegistry::new().with(typed_fn_with(App { currency: "USD" }, "shop.charge", charge));
/// ```
pub fn typed_fn_with<S, I, D, F, Fut, R>(state: S, callable: impl Into<String>, f: F) -> TypedHandler<S, I, D, F>
where
    S: Clone + Send + Sync + 'static,
    I: DeserializeOwned + Send + 'static,
    D: DeserializeOwned + Send + 'static,
    F: Fn(S, StepContext, I, D) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, StepError>> + Send + 'static,
    R: Serialize,
{
    TypedHandler { callable: callable.into(), state, f, types: PhantomData }
}

impl<S, I, D, F, Fut, R> StepHandler for TypedHandler<S, I, D, F>
where
    S: Clone + Send + Sync + 'static,
    I: DeserializeOwned + Send + 'static,
    D: DeserializeOwned + Send + 'static,
    F: Fn(S, StepContext, I, D) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, StepError>> + Send + 'static,
    R: Serialize,
{
    fn callable(&self) -> &str {
        &self.callable
    }

    async fn call(&self, ctx: StepContext) -> StepResult {
        let input: I = decode(Value::Object(ctx.context.clone()), "the task context")?;
        let deps: D = decode(Value::Object(ctx.dependency_results.clone()), "the ancestors' results")?;
        let result = (self.f)(self.state.clone(), ctx, input, deps).await?;
        to_json(&self.callable, result)
    }
}

/// The handlers a worker runs, by callable.
#[derive(Clone, Default)]
pub struct HandlerRegistry {
    handlers: BTreeMap<String, Arc<dyn ErasedHandler>>,
}

impl std::fmt::Debug for HandlerRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerRegistry").field("callables", &self.callables()).finish()
    }
}

impl HandlerRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a handler (replacing one with the same callable) and returns the registry.
    #[must_use]
    pub fn with(mut self, handler: impl StepHandler) -> Self {
        self.register(handler);
        self
    }

    /// Adds a handler, replacing one with the same callable.
    pub fn register(&mut self, handler: impl StepHandler) -> &mut Self {
        let erased: Arc<dyn ErasedHandler> = Arc::new(Erased(handler));
        self.handlers.insert(erased.callable().to_owned(), erased);
        self
    }

    /// Adds every handler of another registry.
    pub fn merge(&mut self, other: HandlerRegistry) -> &mut Self {
        self.handlers.extend(other.handlers);
        self
    }

    /// The registered callables, sorted.
    pub fn callables(&self) -> Vec<String> {
        self.handlers.keys().cloned().collect()
    }

    /// Whether a handler is registered for `callable`.
    pub fn contains(&self, callable: &str) -> bool {
        self.handlers.contains_key(callable)
    }

    /// The number of handlers.
    pub fn len(&self) -> usize {
        self.handlers.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.handlers.is_empty()
    }

    /// Keeps only the handlers whose callable starts with one of `namespaces` followed by `.`.
    #[must_use]
    pub fn only_namespaces(mut self, namespaces: &[String]) -> Self {
        self.handlers.retain(|callable, _| namespaces.iter().any(|n| callable.strip_prefix(n.as_str()).is_some_and(|rest| rest.starts_with('.'))));
        self
    }

    pub(crate) fn get(&self, callable: &str) -> Option<Arc<dyn ErasedHandler>> {
        self.handlers.get(callable).cloned()
    }

    /// Runs the handler for `callable` once with `ctx` (for tests of handlers without a worker).
    pub async fn run(&self, callable: &str, ctx: StepContext) -> StepResult {
        let handler = self.get(callable).ok_or_else(|| {
            StepError::permanent(format!("no handler is registered for callable {callable:?}")).code("handler_missing")
        })?;
        handler.call_boxed(ctx).await
    }
}
