-- Filters read columns, not snapshot JSON: the members the lists filter and order by are kept beside the
-- snapshot by the group-commit upsert (src/store/snapshots.ts), written from the context the runtime
-- restored (so after the kind's migrations, whatever layout the row's snapshot is stored in), as
-- routing_score is (008). `deleted_at`: a session's soft deletion (`GET /sessions` and the counts leave
-- such sessions out); `group_key`: a task's group (`GET /tasks?group=`, the router's group caps);
-- `task_index`: a task's place in its session (the order of a session's tasks). No index: each filter
-- comes after an indexed one (kind, session, state), and an unindexed column keeps updates heap-only.
alter table actors
  add column deleted_at timestamptz,
  add column group_key text,
  add column task_index integer;

-- Rows written before this migration, read from the snapshot layout every machine had then (version 1;
-- a row of another version gets its columns the next time the runtime writes it).
update actors set deleted_at = to_timestamp((snapshot->'context'->>'deletedAt')::double precision / 1000.0)
  where kind = 'session' and machine_version = 1 and jsonb_typeof(snapshot->'context'->'deletedAt') = 'number';
update actors set group_key = snapshot->'context'->>'group', task_index = (snapshot->'context'->>'index')::integer
  where kind = 'task' and machine_version = 1
    and (jsonb_typeof(snapshot->'context'->'group') = 'string' or jsonb_typeof(snapshot->'context'->'index') = 'number');
