-- A table contributed by another assembly (this test assembly), for SchemaTests.
CREATE TABLE test_contributed (
    id integer PRIMARY KEY
);
