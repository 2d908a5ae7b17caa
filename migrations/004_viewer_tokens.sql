-- Viewer tokens (PROTOCOL v1.1 "Tokens"): read-only bearer tokens an operator creates and revokes.
-- As for every token, only its SHA-256 hash is stored; the token is shown once, at creation.

create table viewer_tokens (
  id         uuid        primary key,
  token_hash text        not null unique,
  name       text,
  created_at timestamptz not null default now()
);
