-- Invariant 9: a transition is recorded as the actor's new version and the RFC 7396 merge patch
-- of its public view (what GET returns), never as a copy of its context. Any past version of an
-- actor is its creation's patch plus the patches after it, in version order.
alter table transitions drop column context;
alter table transitions add column version bigint;
alter table transitions add column patch jsonb;
-- who caused it, when the producer said: `operator`, `agent:<id>`
alter table transitions add column caused_by text;

create index transitions_by_actor on transitions (kind, actor_id, version);
