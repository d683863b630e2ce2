-- A task's error reason from its failed steps, as taskErrorReason (lifecycle/evaluate-task.ts)
-- writes it: "step NAME failed (CODE): MESSAGE" in position order, "; " between. A step's
-- success calls it only when its task ends in error: a subquery in its place would be set up on
-- every success (its scan of the steps opened with each run of the cached plan) and run on almost
-- none. STABLE: it reads with the calling statement's snapshot, as that subquery did.
CREATE FUNCTION tasker.task_error_reason(of_task uuid) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT string_agg(format('step %s failed%s: %s', s.name,
                           CASE WHEN s.error->>'code' <> '' THEN ' (' || (s.error->>'code') || ')' ELSE '' END,
                           coalesce(s.error->>'message', 'unknown error')), '; ' ORDER BY s.position)
    FROM tasker.workflow_steps s
   WHERE s.task_uuid = of_task AND s.state = 'error'
$$;
