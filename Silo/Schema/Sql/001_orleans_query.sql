-- The Orleans ADO.NET providers read the SQL text of every operation from this table, by key.
CREATE TABLE orleansquery (
    querykey   varchar(64) NOT NULL PRIMARY KEY,
    querytext  text        NOT NULL
);
