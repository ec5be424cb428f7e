-- Takes a version the grains' scripts already use, for SchemaTests.
CREATE TABLE test_clash (
    id integer PRIMARY KEY
);
