-- Migration 011's `actors_mark_edited` trigger ran its plpgsql function for every row the runtime's
-- group-commit upsert wrote, only to set `edited := false` on a row whose flag was already false (every
-- runtime write moves the stream id forward): a function call and a rebuilt row per actor written, about
-- 7 us of the statement's 45 us per actor row (EXPLAIN ANALYZE of a lifecycle batch, docs/performance.md
-- "Round 9"). The same trigger with a WHEN clause, which Postgres evaluates without calling the function:
-- it fires only when the update does not move the stream id forward (a change made outside the runtime,
-- which the function marks) or when the new row is marked (which a forward move clears). When it does not
-- fire, the stream id moved forward and the row is unmarked: exactly what the function would have left.
drop trigger actors_mark_edited on actors;

create trigger actors_mark_edited before update of snapshot, state, machine_version, stream_ms, stream_seq on actors
  for each row
  when ((new.stream_ms, new.stream_seq) <= (old.stream_ms, old.stream_seq) or new.edited)
  execute function actors_mark_edited();
