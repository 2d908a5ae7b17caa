-- An actor's context members that no transition changes after its creation (a task's title, capability,
-- payload, timeoutS...; an agent's name, capabilities, metadata...: each kind declares them,
-- `ActorKind.storedOnce`) were written again in its snapshot at every transition, a user's prompt of many KB
-- as often as the task moved. The runtime's write now leaves them out of `snapshot` and sends them in
-- `stored_once` only when the row may lack them (the batch creates the actor, or restored it from its row);
-- every other write keeps the stored value (`coalesce` in the group statement, src/store/snapshots.ts). The
-- store's readers put them back into the snapshot's context (src/store/actor-row.ts `withStoredOnce`). A row
-- written before this migration has none here: its snapshot holds everything, and reads as before.
alter table actors add column stored_once jsonb;

-- Migration 011's mark of rows changed outside the runtime also notices a hand edit of the new column. The
-- trigger keeps 012's WHEN clause (a runtime write, which moves the stream id forward, calls no function).
create or replace function actors_mark_edited() returns trigger language plpgsql as $$
begin
  if (new.stream_ms, new.stream_seq) > (old.stream_ms, old.stream_seq) then
    new.edited := false;
  elsif new.snapshot is distinct from old.snapshot or new.stored_once is distinct from old.stored_once
    or new.state is distinct from old.state or new.machine_version is distinct from old.machine_version then
    new.edited := true;
  end if;
  return new;
end
$$;

drop trigger actors_mark_edited on actors;

create trigger actors_mark_edited before update of snapshot, stored_once, state, machine_version, stream_ms, stream_seq on actors
  for each row
  when ((new.stream_ms, new.stream_seq) <= (old.stream_ms, old.stream_seq) or new.edited)
  execute function actors_mark_edited();
