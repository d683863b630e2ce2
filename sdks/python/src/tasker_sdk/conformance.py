"""The Python worker under the worker protocol's conformance suite (conformance/README.md):
the ``conformance.step`` handler, served until SIGTERM / SIGINT.

    npx tsx conformance/run.ts --name python --worker ".venv-ci/bin/python -m tasker_sdk.conformance"

Reads TASKER_URL, TASKER_API_KEY and TASKER_NAMESPACES (the runner sets them).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import Any

from .context import StepContext
from .errors import PermanentError, RetryableError
from .handlers import handler
from .outcomes import Batches, Decision, plan_batches
from .worker import Worker


@handler("conformance.step")
async def step(ctx: StepContext[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    b = ctx.initialization
    sleep_ms = b.get("sleep_ms")
    if sleep_ms:
        await ctx.sleep(float(sleep_ms) / 1000)
    if b.get("checkpoint"):
        await ctx.checkpoint({**b["checkpoint"], "attempt": ctx.attempt})
    if ctx.attempt <= int(b.get("fail_attempts") or 0):
        f: dict[str, Any] = b.get("failure") or {}
        message = f.get("message") or f"{ctx.step_name} failed on attempt {ctx.attempt}"
        if f.get("retryable") is False:
            raise PermanentError(message, code=f.get("code"), metadata=f.get("metadata"))
        retry_after_ms = f.get("retry_after_ms")
        raise RetryableError(
            message,
            code=f.get("code"),
            metadata=f.get("metadata"),
            retry_after=retry_after_ms / 1000 if retry_after_ms else None,
        )
    result: dict[str, Any] = {"step": ctx.step_name, "attempt": ctx.attempt}
    if b.get("echo"):
        result.update(
            context=ctx.context,
            dependency_results=ctx.dependency_results,
            initialization=ctx.initialization,
            task_name=ctx.task_name,
            namespace=ctx.namespace,
            max_attempts=ctx.max_attempts,
        )
    if b.get("result_bytes"):
        result["padding"] = "x" * int(b["result_bytes"])
    if b.get("checkpoint"):
        result["resume_from"] = ctx.resume_from
    if b.get("echo_batch"):
        result["batch"] = ctx.batch.as_dict()
    result.update(b.get("result") or {})
    decide = b.get("decide")
    if decide == "no_branches":
        return Decision.no_branches(**result)
    if decide:
        return Decision.create_steps(decide["create_steps"], **result)
    batches = b.get("batches")
    if batches:
        total = int(batches["total"])
        size = int(batches.get("batch_size") or (ctx.batch_config or {})["batch_size"])
        return Batches.create(plan_batches(total, size), **result) if total > 0 else Batches.none(**result)
    return result


async def main() -> int:
    url = os.environ.get("TASKER_URL")
    if not url:
        print("TASKER_URL is not set (the conformance runner sets it)", file=sys.stderr)
        return 2
    worker = Worker(
        url=url,
        api_key=os.environ.get("TASKER_API_KEY") or None,
        namespaces=(os.environ.get("TASKER_NAMESPACES") or "conformance").split(","),
        handlers=[step],
        concurrency=int(os.environ.get("WORKER_CONCURRENCY", "10")),
    )
    started = await worker.start()
    print(started.message, flush=True)
    if not started.success:
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await worker.stop()
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper(), stream=sys.stderr)
    sys.exit(asyncio.run(main()))
