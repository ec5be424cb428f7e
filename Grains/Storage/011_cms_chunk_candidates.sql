-- Chunks that lost a reference and may now be unreferenced; the collector checks and deletes them in
-- batches, off the ingest path.
CREATE TABLE cms_chunk_candidates (
    sha256       bytea       PRIMARY KEY,
    released_at  timestamptz NOT NULL DEFAULT now()
);
