"""What the worker protocol promises that writing this SDK found broken once, kept as tests."""

from __future__ import annotations

from tasker_sdk import TaskerClient
from tasker_sdk.http import ApiTransport
from tasker_sdk.testing import TaskerServer

PROBE_TEMPLATE = """
name: probe
namespace_name: sdk_probe
version: 1.0.0
steps:
  - name: only
    handler: { callable: sdk_probe.not_mine }
"""


async def test_a_claim_hands_out_only_steps_of_the_registered_callables(
    server: TaskerServer, client: TaskerClient
) -> None:
    await client.register_template(PROBE_TEMPLATE)
    created = await client.create_task("probe", "sdk_probe")
    http = ApiTransport(server.url, api_key=server.worker_key)
    _, reg = await http.request(
        "POST",
        "/v1/worker/workers",
        {
            "namespaces": ["sdk_probe"],
            "handlers": ["sdk_probe.something_else"],
            "sdk": {"name": "probe", "version": "0"},
        },
    )
    worker = reg["worker_id"]
    assert reg["unhandled_callables"] == ["sdk_probe.not_mine"]
    try:
        _, claimed = await http.request(
            "POST", f"/v1/worker/workers/{worker}/claims", {"max_steps": 1, "wait_ms": 2000}
        )
        assert claimed["steps"] == [], "a worker without the step's callable was handed the step"
    finally:
        await http.request("DELETE", f"/v1/worker/workers/{worker}")
        await http.aclose()
        await client.cancel_task(created.task.task_uuid)
