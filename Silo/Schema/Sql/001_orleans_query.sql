-- The Orleans ADO.NET providers load the SQL of every operation from this table at start-up, keyed by
-- name (clustering and reminders read all rows; grain storage reads its own keys). The later scripts
-- fill it in; a provider whose required key is missing refuses to start.
CREATE TABLE orleansquery (
    querykey   varchar(64) NOT NULL PRIMARY KEY,
    querytext  text        NOT NULL
);
