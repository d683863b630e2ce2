import { html } from "hono/html";
import { z } from "zod";
import { assertWithinContextLimits } from "../../api/json-limits.js";
import { TaskerError } from "../../model/errors.js";
import type { StepAction } from "../../model/step-action.js";
import { loadTaskDetail, type TaskDetail } from "../data/task-detail.js";
import { searchTasks, selectFilterChoices } from "../data/task-list.js";
import { parseTaskSearch } from "../data/task-search.js";
import { type FormResult, parseCancelForm, parseStepActionForm } from "../forms.js";
import { inputText, optionalInput, readForm, readQuery } from "../inputs.js";
import { type Notice, noticesOutOfBand } from "../views/layout.js";
import { renderTaskListBody, renderTaskResults } from "../views/task-list-page.js";
import { renderTaskBody, renderTaskLive } from "../views/task-page.js";
import type { DashboardApp, DashboardDeps } from "./dashboard-env.js";
import {
  type DashboardContext,
  describeError,
  isHtmx,
  requirePage,
  sendErrorPage,
  sendFragment,
  sendPage,
} from "./respond.js";

/** Fixed messages for `?done=` after a form post without JavaScript (never text from the URL). */
const DONE_MESSAGES: Record<string, string> = {
  cancelled: "The task was cancelled.",
  reset_for_retry: "The step was reset and will run again.",
  resolve_manually: "The step was resolved manually.",
  complete_manually: "The step was completed with the given result.",
};

/** `?partial=results`: only the results, for the list's in-place refresh. */
const TaskListQuery = z.object({
  partial: optionalInput(z.enum(["results"], { error: "must be results (or left out)" })),
});

/** A task page and its live part: which step to show, what a form post did, the version shown. */
const TaskPageQuery = z.object({
  // A step's uuid or name.
  step: optionalInput(inputText(255)),
  done: optionalInput(
    z.enum(Object.keys(DONE_MESSAGES) as [string, ...string[]], {
      error: `must be one of: ${Object.keys(DONE_MESSAGES).join(", ")} (or left out)`,
    }),
  ),
  v: optionalInput(inputText(64)),
});

function stepMissingNotice(detail: TaskDetail, ref: string | undefined): Notice[] {
  return ref && !detail.selected
    ? [{ kind: "error", text: `This task has no step "${ref}"; pick one from the graph or the table.` }]
    : [];
}

/** The task list, a task's page and its live part, and the operator actions. */
export function registerTaskRoutes(app: DashboardApp, deps: DashboardDeps): void {
  const { tasker } = deps;

  app.get("/tasks", requirePage("tasks:read"), async (c) => {
    const ui = c.get("ui");
    const { partial } = readQuery(c, TaskListQuery);
    // A bad filter is named and left out: the list still shows, with a 400 status.
    const { search, problems } = parseTaskSearch(c.req.query());
    const status = problems.length > 0 ? 400 : 200;
    const page = await searchTasks(tasker.database, search);
    if (partial === "results") return sendFragment(c, renderTaskResults(ui, search, page), status);
    const choices = await selectFilterChoices(tasker.database);
    return sendPage(
      c,
      {
        title: "Tasks",
        section: "tasks",
        body: renderTaskListBody(ui, search, page, choices),
        notices: problems.map((text) => ({ kind: "error", text: `Filter ignored: ${text}` })),
      },
      status,
    );
  });

  app.get("/tasks/:task_uuid", requirePage("tasks:read"), async (c) => {
    const query = readQuery(c, TaskPageQuery);
    const stepRef = query.step;
    const detail = await loadTaskDetail(tasker, c.req.param("task_uuid"), stepRef);
    const done = query.done ? DONE_MESSAGES[query.done] : undefined;
    return sendPage(c, {
      title: `${detail.task.name} ${detail.task.task_uuid.slice(-12)}`,
      section: "tasks",
      body: renderTaskBody(c.get("ui"), detail),
      notices: [
        ...(done ? [{ kind: "ok" as const, text: done }] : []),
        ...stepMissingNotice(detail, stepRef),
      ],
    });
  });

  app.get("/tasks/:task_uuid/live", requirePage("tasks:read"), async (c) => {
    const query = readQuery(c, TaskPageQuery);
    const detail = await loadTaskDetail(tasker, c.req.param("task_uuid"), query.step);
    // Nothing changed since the version the page shows: htmx keeps it as it is.
    if (query.v === detail.fingerprint) return c.body(null, 204);
    return sendFragment(c, renderTaskLive(c.get("ui"), detail));
  });

  app.post("/tasks/:task_uuid/cancel", requirePage("tasks:write"), async (c) => {
    const taskUuid = c.req.param("task_uuid");
    const form = parseCancelForm(await readForm(c));
    return afterAction(c, deps, taskUuid, undefined, form, async (input) => {
      await tasker.client.cancelTask(taskUuid, input.reason ?? `cancelled from the dashboard by ${by(c)}`);
      return { done: "cancelled", text: "The task was cancelled; steps already running finish first." };
    });
  });

  app.post("/tasks/:task_uuid/steps/:step_uuid/action", requirePage("steps:resolve"), async (c) => {
    const taskUuid = c.req.param("task_uuid");
    const stepUuid = c.req.param("step_uuid");
    const form = parseStepActionForm(await readForm(c), by(c));
    return afterAction(c, deps, taskUuid, stepUuid, form, async (action: StepAction) => {
      if (action.action_type === "complete_manually") {
        assertWithinContextLimits(action.completion_data.result, "result");
      }
      const step = await tasker.client.updateStep(taskUuid, stepUuid, action);
      return { done: action.action_type, text: `Step ${step.name}: ${DONE_MESSAGES[action.action_type]}` };
    });
  });
}

/** Who acted, for the audit trail. */
const by = (c: DashboardContext) => `${c.get("ui").principal?.name ?? "unknown"} (dashboard)`;

/**
 * Runs an operator action and answers the way the request came: htmx gets the fresh live part
 * with the outcome as a notice (errors keep their status: 409 for a step that moved on, ...);
 * a plain form post is redirected to the task page, or shown the page with the error.
 */
async function afterAction<T>(
  c: DashboardContext,
  deps: DashboardDeps,
  taskUuid: string,
  stepUuid: string | undefined,
  form: FormResult<T>,
  run: (input: T) => Promise<{ done: string; text: string }>,
): Promise<Response> {
  let status = 200;
  let notice: Notice;
  let done: string | undefined;
  try {
    if (!form.ok) throw new TaskerError("BAD_REQUEST", form.message);
    const outcome = await run(form.value);
    notice = { kind: "ok", text: outcome.text };
    done = outcome.done;
  } catch (err) {
    const described = describeError(err);
    if (described.status >= 500) deps.logger.error({ err, task_uuid: taskUuid }, "dashboard action failed");
    status = described.status;
    notice = { kind: "error", text: described.message };
  }
  const ui = c.get("ui");
  if (!isHtmx(c) && done) {
    const step = stepUuid ? `step=${stepUuid}&` : "";
    return c.redirect(`${ui.base}/tasks/${taskUuid}?${step}done=${done}`, 303);
  }
  let detail: TaskDetail;
  try {
    detail = await loadTaskDetail(deps.tasker, taskUuid, stepUuid);
  } catch (err) {
    const described = describeError(err);
    return sendErrorPage(c, described.status, "Task not available", described.message);
  }
  if (isHtmx(c)) {
    return sendFragment(c, html`${renderTaskLive(ui, detail)}${noticesOutOfBand([notice])}`, status);
  }
  return sendPage(
    c,
    { title: detail.task.name, section: "tasks", body: renderTaskBody(ui, detail), notices: [notice] },
    status,
  );
}
