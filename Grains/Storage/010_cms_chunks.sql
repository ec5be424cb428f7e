-- Checkpoint payload chunks, content-addressed by the SHA-256 of their decoded bytes and shared by every
-- version and program. "data" is stored as the agent encoded it ("codec": 0 raw, 1 LZ4).
CREATE TABLE cms_chunks (
    sha256     bytea       PRIMARY KEY CHECK (length(sha256) = 32),
    length     integer     NOT NULL CHECK (length >= 0),
    codec      smallint    NOT NULL,
    data       bytea       NOT NULL,
    stored_at  timestamptz NOT NULL DEFAULT now()
);
-- Already compressed: keep PostgreSQL from compressing it a second time.
ALTER TABLE cms_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Which version of which program uses which chunk. A row is written before the chunk is looked for or
-- uploaded, so collection (which deletes only chunks without a row here) cannot race an ingest.
CREATE TABLE cms_chunk_refs (
    checkpoint  text        NOT NULL,
    version     bigint      NOT NULL,
    sha256      bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (checkpoint, version, sha256)
);
CREATE INDEX cms_chunk_refs_by_chunk ON cms_chunk_refs (sha256);
