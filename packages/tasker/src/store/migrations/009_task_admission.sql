-- max_pending_tasks, exact under concurrency (see insertTaskGraph in store/sql/insert-task-graph.ts).
-- A creation's count of unfinished tasks cannot see the tasks other creations are writing at the
-- same moment: counted and checked apart from the insert, 50 creations at once all passed. The
-- creating statement calls this function first. It takes a slot of the admission lock (an advisory
-- lock held until the creation commits) and only then counts: a VOLATILE function's queries each
-- get a fresh snapshot, so the count sees every creation committed before the slot was taken.
--
-- With `slots` slots, at most `slots` creations are uncommitted at any time, so one that counts at
-- most max_pending - slots unfinished tasks may insert: even if every other holder inserts too, the
-- limit holds. Closer to the limit the creation calls it again `alone`: it takes every slot (in
-- ascending order, so two such callers cannot deadlock; a creation taking one slot waits holding
-- none) and inserts only below the limit. A refusal therefore always means the limit was reached.
-- The admission lock is (7316222, slot) in the two-int advisory key space.
CREATE FUNCTION tasker.admit_task(max_pending integer, slots integer, start_slot integer, alone boolean)
  RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  unfinished integer;
BEGIN
  IF alone THEN
    PERFORM pg_advisory_xact_lock(7316222, n) FROM generate_series(0, slots - 1) AS n;
  ELSIF NOT EXISTS (SELECT FROM generate_series(0, slots - 1) AS n
                     WHERE pg_try_advisory_xact_lock(7316222, (n + start_slot) % slots)) THEN
    -- Every slot is busy: wait for one, holding none.
    PERFORM pg_advisory_xact_lock(7316222, start_slot);
  END IF;
  -- tasks_active_idx's predicate, counted no further than the limit.
  SELECT count(*) INTO unfinished
    FROM (SELECT FROM tasker.tasks
           WHERE status NOT IN ('complete', 'error', 'cancelled', 'resolved_manually')
           LIMIT max_pending) AS u;
  RETURN unfinished + CASE WHEN alone THEN 1 ELSE slots END <= max_pending;
END
$$;
