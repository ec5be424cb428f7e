-- The key with which silos seal session tokens, read grants and their own calls to each other (HMAC-SHA256).
-- Made once, from PostgreSQL's strong random source (two version-4 UUIDs: 244 random bits); the silos' role
-- may read it and nothing more. Rotating it ends every session: agents open new ones on their next call.
CREATE TABLE cms_cluster_secret (
    id          integer     PRIMARY KEY CHECK (id = 1),
    secret      bytea       NOT NULL CHECK (length(secret) = 32),
    created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO cms_cluster_secret (id, secret) VALUES (1, uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));
