-- Groups (PROTOCOL v1.1 "PUT /groups/{key}"): a cap on the assigned and in-progress tasks of one group
-- (a tenant, a repository, an API key). The router enforces it from Redis; this table is what it is
-- rebuilt from (the routing sweep copies it to Redis).

create table groups (
  key           text        primary key,
  max_in_flight integer     check (max_in_flight is null or max_in_flight >= 0),
  updated_at    timestamptz not null default now()
);
