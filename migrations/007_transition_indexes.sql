-- Fewer indexes to maintain per history row (each task writes about six): a transition is identified by
-- its actor and the version it made, which the runtime assigns once per applied entry under the
-- partition's fence, so one unique index on (kind, actor_id, version) both serves history reads in
-- version order (what transitions_by_actor did) and skips a redelivered row (what the unique
-- (kind, actor_id, stream_ms, stream_seq) constraint did). Rows written before migration 003 have no
-- version and stay distinct (nulls are).
create unique index transitions_by_actor_version on transitions (kind, actor_id, version);
alter table transitions drop constraint transitions_kind_actor_id_stream_ms_stream_seq_key;
drop index transitions_by_actor;

-- Room on each page for an updated row version, so an update that changes no indexed column (an
-- agent's load and free slots as it takes and frees tasks in the same state) can be a heap-only
-- update that writes no index entry. Applies to pages written from now on.
alter table actors set (fillfactor = 80);
