"""linear5 over the worker protocol: the Python worker against the TypeScript remote worker, in
the same run, on one `tasker-ctl serve` (PostgreSQL). Both workers are their conformance
programs (separate processes, concurrency 10) running a no-op `conformance.step` for the five
steps; latency is each task's created_at -> completed_at as the server stamped them.

    .venv-ci/bin/python sdks/python/bench.py [--runs 50] [--warmup 20] [--tasks 300]

Prints p50/p95 per worker and steps/s for --tasks tasks created by 8 concurrent clients.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
from datetime import datetime

from tasker_sdk import TaskerClient
from tasker_sdk.testing import TaskerServer, create_database, repo_root

TEMPLATE = """
name: linear5
namespace_name: bench_remote
version: 1.0.0
steps:
  - { name: a, handler: { callable: conformance.step } }
  - { name: b, handler: { callable: conformance.step }, dependencies: [a] }
  - { name: c, handler: { callable: conformance.step }, dependencies: [b] }
  - { name: d, handler: { callable: conformance.step }, dependencies: [c] }
  - { name: e, handler: { callable: conformance.step }, dependencies: [d] }
"""

WORKERS = {
    "python": [sys.executable, "-m", "tasker_sdk.conformance"],
    "typescript": ["npx", "tsx", "conformance/workers/typescript.ts"],
}


def ts(value: str | None) -> float:
    assert value is not None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


async def wait_done(client: TaskerClient, uuid: str) -> tuple[float, float]:
    while True:
        task = await client.get_task(uuid)
        if task.finished:
            assert task.status == "complete", task.status
            return ts(task.created_at), ts(task.completed_at)
        await asyncio.sleep(0.005)


async def measure(client: TaskerClient, runs: int, warmup: int, tasks: int) -> dict[str, float]:
    latencies = []
    for i in range(warmup + runs):
        created = await client.create_task("linear5", "bench_remote")
        start, end = await wait_done(client, created.task.task_uuid)
        if i >= warmup:
            latencies.append((end - start) * 1000)
    uuids: list[str] = []

    async def creator(n: int) -> None:
        for _ in range(n):
            uuids.append((await client.create_task("linear5", "bench_remote")).task.task_uuid)

    await asyncio.gather(*(creator(tasks // 8) for _ in range(8)))
    spans = [await wait_done(client, u) for u in uuids]
    duration = max(e for _, e in spans) - min(s for s, _ in spans)
    latencies.sort()
    return {
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
        "steps_per_s": 5 * len(uuids) / duration,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=300)
    args = parser.parse_args()
    root = repo_root()
    with create_database("tasker_py_bench") as db, TaskerServer.start(db.url) as server:
        async with TaskerClient(server.url, api_key=server.admin_key) as client:
            await client.register_template(TEMPLATE)
            results = {}
            for name, command in WORKERS.items():
                env = {
                    **os.environ,
                    "TASKER_URL": server.url,
                    "TASKER_API_KEY": server.worker_key,
                    "TASKER_NAMESPACES": "bench_remote",
                    "LOG_LEVEL": "WARNING",
                }
                worker = subprocess.Popen(  # noqa: ASYNC220 - started once, before measuring
                    command,
                    cwd=root,
                    env=env,
                    start_new_session=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                try:
                    await asyncio.sleep(3)  # registered and polling
                    results[name] = await measure(client, args.runs, args.warmup, args.tasks)
                finally:
                    os.killpg(worker.pid, signal.SIGTERM)
                    worker.wait(15)
                    await asyncio.sleep(1)
    for name, r in results.items():
        print(
            f"{name:<11} linear5 p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  {r['steps_per_s']:7.0f} steps/s"
        )
    ratio = results["python"]["p50_ms"] / results["typescript"]["p50_ms"]
    print(f"python / typescript p50: {ratio:.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
