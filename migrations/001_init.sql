-- Runtime state: every actor's latest snapshot, the append-only history of its transitions,
-- and the fencing token of each inbox partition. Written by src/store/snapshots.ts.
-- Stream ids (`<ms>-<seq>`) are kept as text and as two bigints so they order correctly in SQL.
-- Times are the inbox entries' times (from their stream ids), not the database clock.

create table actors (
  kind          text        not null,
  id            text        not null,
  state         text        not null,
  snapshot      jsonb       not null,
  stream_id     text        not null,
  stream_ms     bigint      not null,
  stream_seq    bigint      not null,
  fence         bigint      not null,
  version       bigint      not null,
  -- effects (events to publish, commands to append) of the last applied batch, replayed on redelivery
  outbox        jsonb       not null default '[]',
  -- fields extracted from the snapshot for routing and listing
  session_id    text,
  capability    text,
  agent_id      text,
  priority      smallint,
  capabilities  text[],
  load          real,
  free_capacity integer,
  created_at    timestamptz not null,
  updated_at    timestamptz not null,
  -- when the actor entered its current state ("tasks assigned for longer than 5 minutes")
  state_since   timestamptz not null,
  primary key (kind, id)
);

create index actors_by_state on actors (kind, state, state_since, id);
create index actors_by_age on actors (kind, state_since, id);
create index actors_by_session on actors (session_id, kind) where session_id is not null;
create index actors_by_agent on actors (agent_id, kind) where agent_id is not null;
create index tasks_ready on actors (capability, priority, state_since, id)
  where kind = 'task' and state = 'ready';
create index agents_by_capability on actors using gin (capabilities) where kind = 'agent';

-- One row per actor per applied inbox entry that changed it; never updated or deleted.
create table transitions (
  id          bigserial   primary key,
  kind        text        not null,
  actor_id    text        not null,
  -- the session itself, or the session a task belongs to
  session_id  text,
  from_state  text,
  to_state    text        not null,
  event       text        not null,
  stream_id   text        not null,
  stream_ms   bigint      not null,
  stream_seq  bigint      not null,
  at          timestamptz not null,
  context     jsonb,
  -- a redelivered entry records nothing new
  unique (kind, actor_id, stream_ms, stream_seq)
);

-- A session's timeline is its transitions and its tasks' in id order: an actor's entries are
-- persisted in stream order, and a command to another actor is appended only after the
-- batch that caused it was persisted, so ids follow cause and effect across partitions.
create index transitions_by_session on transitions (session_id, id) where session_id is not null;

-- The newest lease token that wrote each partition; older tokens are refused.
create table partition_fences (
  partition  integer     primary key,
  fence      bigint      not null,
  updated_at timestamptz not null default now()
);
