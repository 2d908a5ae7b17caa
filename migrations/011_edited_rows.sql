-- `GET /actors/counts` counts by state in one grouped query (src/store/counts.ts) instead of bringing up
-- every stored snapshot at the edge. A row the runtime wrote at its kind's current machine version fits
-- that machine (the runtime restored the actor with the same verdict before writing it, and the machine
-- wrote the new snapshot), so its `state` column is what the lists show. What SQL cannot tell is a row
-- changed by anything else: `edited` marks a row whose snapshot, state or machine version an UPDATE
-- changed without moving its stream id forward (every runtime write moves it: the group-commit upsert
-- writes a row only when its entry's stream id is newer), and the next runtime write clears it. The counts
-- bring such rows up one by one, as the lists do. A row INSERTed by hand is taken as written (insert it
-- with `edited = true` to have it checked). The trigger fires only for statements that set one of the
-- columns it reads, so backfills of other columns do not pay for it; the partial index finds the few
-- edited rows without reading the others, and is touched only when the flag changes.
alter table actors add column edited boolean not null default false;

create function actors_mark_edited() returns trigger language plpgsql as $$
begin
  if (new.stream_ms, new.stream_seq) > (old.stream_ms, old.stream_seq) then
    new.edited := false;
  elsif new.snapshot is distinct from old.snapshot or new.state is distinct from old.state
    or new.machine_version is distinct from old.machine_version then
    new.edited := true;
  end if;
  return new;
end
$$;

create trigger actors_mark_edited before update of snapshot, state, machine_version, stream_ms, stream_seq on actors
  for each row execute function actors_mark_edited();

create index actors_edited on actors (kind, id) where edited;

-- The soft-deleted sessions the counts name (those that can still move): few, found without reading the others.
create index actors_deleted_sessions on actors (id) where kind = 'session' and deleted_at is not null;
