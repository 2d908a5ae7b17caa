-- Postgres gathers no planner statistics for the JSON documents the runtime stores (an actor's snapshot, its
-- outbox and the members stored once; a transition's patch). No query plans by them: the store reads these
-- columns whole, by key, and its one filter into a document (an agent's labels, src/store/queries.ts) is an
-- expression, for which a column's statistics give no estimate. Gathering them was most of what an ANALYZE of
-- these tables cost: every sampled document detoasted and compared. Measured after a 20,000-task lifecycle
-- bench run (docs/performance.md, round 39): ANALYZE of actors 470-530 ms of CPU before, 110-120 after; of
-- transitions 250-350 before, 160 after. Autoanalyze runs them again each time a tenth of a table has changed,
-- so on a deployment whose tables are still growing, over and over. `set statistics 0` takes a lock that reads
-- and writes do not wait for. What an ANALYZE gathered for these columns before stays as it was (only a
-- superuser could delete it), and no plan of the store's queries reads it.
alter table actors
  alter column snapshot set statistics 0,
  alter column outbox set statistics 0,
  alter column stored_once set statistics 0;

alter table transitions
  alter column patch set statistics 0;
