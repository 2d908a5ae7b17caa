-- Credentials: only a hash of each token is stored (the token is shown once, at creation).

create table agent_tokens (
  token_hash text        primary key,
  agent_id   text        not null,
  created_at timestamptz not null default now()
);

create index agent_tokens_by_agent on agent_tokens (agent_id);

create table operator_tokens (
  token_hash text        primary key,
  created_at timestamptz not null default now()
);
