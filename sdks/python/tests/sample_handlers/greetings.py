from typing import Any

from tasker_sdk import StepContext, StepHandler, handler


@handler("sdk_test.hello")
async def hello(ctx: StepContext[Any, Any]) -> dict[str, str]:
    return {"greeting": f"hello {ctx.context.get('who', 'world')}"}


class Goodbye(StepHandler):
    callable = "sdk_test.goodbye"

    def call(self, ctx: StepContext[Any, Any]) -> dict[str, str]:
        return {"farewell": ctx.dependency_results["hello"]["greeting"].replace("hello", "goodbye")}
