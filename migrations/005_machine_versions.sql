-- Snapshot versioning: each actor row records the version of its machine that wrote the snapshot
-- (an actor kind's `version`, raised when a machine change makes stored snapshots not fit). A
-- runtime migrates an older snapshot with the kind's registered migrations, or dead-letters the
-- actor's commands with the reason (quarantine) when none fits. Rows written before this were
-- written by version 1 of every machine.
alter table actors add column machine_version integer not null default 1;
