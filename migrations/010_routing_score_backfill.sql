-- Backfill of migration 008's routing_score: an agent row last written before 008 has none (null) while it
-- takes work (online, with a free slot and no open breaker: free_capacity > 0), and the sweep ranked it last
-- until its next transition wrote one. Each such row gets the score its binding writes (actors/agent.ts
-- `columns`: machines/routing-score.ts `idleScore`), computed from its stored snapshot the way the runtime
-- restores it: a member the compact form left out reads as its stored default (inflight [], recent [],
-- reportedStatus null). Double precision throughout, in the order the runtime adds the weighted factors, and
-- rounded to 4 decimals half up as Math.round does, so the value is the one the runtime would have written.
-- A row that takes no work keeps null, as the runtime writes it.
with stored as (
  select id, snapshot->'context' as context
  from actors
  where kind = 'agent' and routing_score is null and free_capacity > 0 and jsonb_typeof(snapshot->'context') = 'object'
),
agent as (
  select id,
    jsonb_array_length(context->'capabilities') as capabilities,
    jsonb_array_length(coalesce(context->'inflight', '[]'::jsonb))::float8 as inflight,
    coalesce((context->>'maxConcurrency')::float8, 1) as max_concurrency,
    coalesce((context->>'load')::float8, 0) as load,
    jsonb_array_length(coalesce(context->'recent', '[]'::jsonb)) as recent,
    (select count(*) from jsonb_array_elements(coalesce(context->'recent', '[]'::jsonb)) as outcome
      where outcome = 'true'::jsonb)::float8 as completed,
    case context->>'reportedStatus'
      when 'degraded' then 0.5::float8 when 'busy' then 0.25::float8 else 1::float8 end as health,
    context->>'breaker' = 'half_open' as half_open
  from stored
  -- A context the runtime could not restore (it is quarantined: docs/runtime.md) is left alone, its score null.
  where jsonb_typeof(context->'capabilities') = 'array'
    and jsonb_typeof(coalesce(context->'inflight', '[]'::jsonb)) = 'array'
    and jsonb_typeof(coalesce(context->'recent', '[]'::jsonb)) = 'array'
    and jsonb_typeof(coalesce(context->'maxConcurrency', '1'::jsonb)) = 'number'
    and jsonb_typeof(coalesce(context->'load', '0'::jsonb)) = 'number'
    and case when jsonb_typeof(context->'maxConcurrency') = 'number' then (context->>'maxConcurrency')::float8 else 1 end > 0
),
factors as (
  select id,
    case when capabilities = 0 then 0::float8 else least(1::float8, 1::float8 / greatest(1, capabilities)::float8) end as fit,
    1::float8 - least(1::float8, greatest(inflight / max_concurrency, load)) as load,
    case when recent = 0 then 1::float8 else completed / recent::float8 end as success,
    case when half_open then health / 2::float8 else health end as availability
  from agent
),
summed as (
  select id,
    ((((0::float8 + 0.35::float8 * fit) + 0.25::float8 * load) + 0.25::float8 * success) + 0.15::float8 * availability)
      * 10000::float8 as scaled
  from factors
)
update actors
set routing_score = (case when scaled - floor(scaled) >= 0.5::float8 then ceil(scaled) else floor(scaled) end) / 10000::float8
from summed
where actors.kind = 'agent' and actors.id = summed.id;
