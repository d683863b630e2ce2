"""Step handlers: decorated functions or classes, registered under a callable name.

Function style::

    @handler("ecommerce_py.process_payment", inputs=OrderContext, depends=PaymentDeps)
    async def process_payment(ctx: StepContext[OrderContext, PaymentDeps]) -> dict[str, Any]:
        ...

Class style::

    class ProcessPayment(StepHandler):
        callable = "ecommerce_py.process_payment"
        inputs = OrderContext
        depends = PaymentDeps

        async def call(self, ctx: StepContext[OrderContext, PaymentDeps]) -> dict[str, Any]:
            ...

``inputs`` is a Pydantic model of the task context; ``depends`` a model whose fields are ancestor
step names (or a dict ``{step_name: Model}``). A context or result that does not match is a
permanent error naming the fields. Sync functions (``def``) run in a thread of the worker.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from types import ModuleType
from typing import Any, ClassVar, TypeVar, cast

from pydantic import BaseModel, create_model

from .context import StepContext, parse_or_permanent
from .errors import PermanentError

CALLABLE_PATTERN = r"^[A-Za-z0-9_.:/-]{1,255}$"

DependsSpec = type[BaseModel] | dict[str, type[BaseModel]] | None
F = TypeVar("F", bound=Callable[..., Any])


def _deps_model(callable_name: str, depends: DependsSpec) -> type[BaseModel] | None:
    if depends is None or (isinstance(depends, type) and issubclass(depends, BaseModel)):
        return depends
    if isinstance(depends, dict):
        fields: dict[str, Any] = {name: (model, ...) for name, model in depends.items()}
        model_name = "Deps_" + "".join(c if c.isalnum() else "_" for c in callable_name)
        return cast(type[BaseModel], create_model(model_name, **fields))
    raise TypeError(f"depends of {callable_name} must be a pydantic model or a dict of them, got {depends!r}")


class Handler:
    """A registered handler: its callable name, its models, and how to run one attempt."""

    def __init__(
        self,
        callable_name: str,
        fn: Callable[[StepContext[Any, Any]], Any],
        *,
        inputs: type[BaseModel] | None = None,
        depends: DependsSpec = None,
        name: str | None = None,
    ) -> None:
        if not callable_name or not _valid_callable(callable_name):
            raise ValueError(f"handler callable {callable_name!r} must match {CALLABLE_PATTERN}")
        self.callable = callable_name
        self.fn = fn
        self.inputs = inputs
        self.depends = _deps_model(callable_name, depends)
        self.name = name or getattr(fn, "__qualname__", callable_name)
        self.is_async = inspect.iscoroutinefunction(fn)

    def __repr__(self) -> str:
        return f"<Handler {self.callable} -> {self.name}>"

    def parse(self, ctx: StepContext[Any, Any]) -> StepContext[Any, Any]:
        """Fills ``ctx.input`` and ``ctx.deps`` from the raw JSON through the declared models."""
        if self.inputs is not None:
            ctx.input = parse_or_permanent(self.inputs, ctx.context, "task context")
        if self.depends is not None:
            wanted: dict[str, Any] = {}
            for field_name, info in self.depends.model_fields.items():
                key = info.alias or field_name
                if key in ctx.dependency_results:
                    wanted[key] = ctx.dependency_results[key]
                elif info.is_required():
                    raise PermanentError(
                        f'handler {self.callable} needs the result of step "{key}", which is not an ancestor '
                        f'of "{ctx.step_name}"; add it to the step\'s dependencies',
                        code="missing_dependency_result",
                    )
            ctx.deps = parse_or_permanent(self.depends, wanted, "dependency results")
        return ctx

    async def run(self, ctx: StepContext[Any, Any], executor: Executor | None = None) -> Any:
        """One attempt: parse, then call (sync functions in ``executor``'s threads)."""
        self.parse(ctx)
        if self.is_async:
            return await self.fn(ctx)
        loop = asyncio.get_running_loop()
        call = contextvars.copy_context().run
        result = await loop.run_in_executor(executor, call, self.fn, ctx)
        if inspect.isawaitable(result):
            return await result
        return result


def _valid_callable(name: str) -> bool:
    import re

    return re.fullmatch(CALLABLE_PATTERN, name) is not None


def handler(
    callable_name: str,
    *,
    inputs: type[BaseModel] | None = None,
    depends: DependsSpec = None,
) -> Callable[[Callable[[StepContext[Any, Any]], Any]], Handler]:
    """Decorates ``async def fn(ctx)`` (or ``def fn(ctx)``) as the handler of ``callable_name``."""

    def wrap(fn: Callable[[StepContext[Any, Any]], Any]) -> Handler:
        return Handler(callable_name, fn, inputs=inputs, depends=depends)

    return wrap


class StepHandler:
    """Base class of class-style handlers: set ``callable`` (and optionally ``inputs`` /
    ``depends``) and implement ``call(self, ctx)``, async or sync. Instances may hold what the
    handler needs (a session factory, a client), so register an instance when it needs arguments;
    discovery instantiates classes without arguments."""

    callable: ClassVar[str]
    inputs: ClassVar[type[BaseModel] | None] = None
    depends: ClassVar[DependsSpec] = None

    def call(self, ctx: StepContext[Any, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement call(self, ctx)")

    def as_handler(self) -> Handler:
        name = getattr(type(self), "callable", None)
        if not isinstance(name, str):
            raise TypeError(f"{type(self).__name__} must set the class attribute `callable`")
        return Handler(
            name, self.call, inputs=self.inputs, depends=self.depends, name=type(self).__qualname__
        )


HandlerLike = Handler | StepHandler | type[StepHandler]


def as_handler(item: HandlerLike) -> Handler:
    if isinstance(item, Handler):
        return item
    if isinstance(item, StepHandler):
        return item.as_handler()
    if isinstance(item, type) and issubclass(item, StepHandler):
        return item().as_handler()
    raise TypeError(f"not a handler: {item!r} (use @handler(...) or a StepHandler subclass)")


class HandlerRegistry:
    """The handlers a worker can run, by callable."""

    def __init__(self, handlers: Iterable[HandlerLike] = ()) -> None:
        self._handlers: dict[str, Handler] = {}
        for h in handlers:
            self.add(h)

    def add(self, item: HandlerLike) -> Handler:
        h = as_handler(item)
        existing = self._handlers.get(h.callable)
        if existing is not None and existing.fn is not h.fn:
            raise ValueError(f"two handlers for callable {h.callable}: {existing.name} and {h.name}")
        self._handlers[h.callable] = h
        return h

    def get(self, callable_name: str) -> Handler | None:
        return self._handlers.get(callable_name)

    def callables(self) -> list[str]:
        return sorted(self._handlers)

    def __contains__(self, callable_name: object) -> bool:
        return callable_name in self._handlers

    def __iter__(self) -> Iterator[Handler]:
        return iter(self._handlers.values())

    def __len__(self) -> int:
        return len(self._handlers)

    def only(self, prefixes: Iterable[str]) -> HandlerRegistry:
        """The handlers whose callable starts with one of ``prefixes`` (e.g. ``"sales_py."``)."""
        wanted = tuple(prefixes)
        return HandlerRegistry(h for h in self if h.callable.startswith(wanted))

    def discover(self, package: str | ModuleType) -> HandlerRegistry:
        """Imports ``package`` and every module under it, and registers each module-level
        ``Handler`` (from ``@handler``) and ``StepHandler`` subclass (instantiated with no
        arguments). Returns ``self``."""
        for h in discover_handlers(package):
            self.add(h)
        return self


def discover_handlers(package: str | ModuleType) -> list[Handler]:
    """The handlers defined in ``package`` and its submodules (see HandlerRegistry.discover)."""
    root = importlib.import_module(package) if isinstance(package, str) else package
    modules = [root]
    if hasattr(root, "__path__"):
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{root.__name__}."):
            modules.append(importlib.import_module(info.name))
    found: dict[str, Handler] = {}
    for module in modules:
        for value in vars(module).values():
            h: Handler | None = None
            if isinstance(value, Handler):
                h = value
            elif (
                isinstance(value, type)
                and issubclass(value, StepHandler)
                and value is not StepHandler
                and isinstance(getattr(value, "callable", None), str)
                and value.__module__ == module.__name__
            ):
                h = value().as_handler()
            if h is not None and h.callable not in found:
                found[h.callable] = h
    return list(found.values())
