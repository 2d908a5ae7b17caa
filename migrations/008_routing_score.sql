-- Routing: each agent row records the routing score its binding computed from its context
-- (machines/routing-score.ts, the one `POST /agents/route` explains), null while it takes no work,
-- so the routing sweep ranks the idle agents it repairs exactly as agents rank themselves.
alter table actors add column routing_score real;
