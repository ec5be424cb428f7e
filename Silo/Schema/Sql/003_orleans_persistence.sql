-- Orleans grain state (ADO.NET grain storage, Microsoft.Orleans.Persistence.AdoNet 10.x).
-- One row per (service, grain type, grain id). The 10.x provider reads and writes only the binary payload
-- (whatever its GrainStorageSerializer produced), so there are no JSON/XML payload columns. The integer
-- version is the ETag: a write or clear names the version it read and succeeds only while that is current;
-- answering the caller's own version (or nothing) makes the provider throw InconsistentStateException.

CREATE TABLE orleansstorage (
    grainidhash             integer       NOT NULL,
    grainidn0               bigint        NOT NULL,
    grainidn1               bigint        NOT NULL,
    graintypehash           integer       NOT NULL,
    graintypestring         varchar(512)  NOT NULL,
    grainidextensionstring  varchar(512),
    serviceid               varchar(150)  NOT NULL,
    payloadbinary           bytea,
    modifiedon              timestamp     NOT NULL,
    version                 integer
);
CREATE INDEX orleansstorage_by_hash ON orleansstorage (grainidhash, graintypehash);
-- Two activations of one grain racing to create its row must not both succeed.
CREATE UNIQUE INDEX orleansstorage_identity ON orleansstorage
    (serviceid, graintypestring, grainidn0, grainidn1, coalesce(grainidextensionstring, ''));

-- Writes a grain's state and answers its new version. No version seen means "the grain has no row yet":
-- insert version 1, or answer null if another activation got there first.
CREATE FUNCTION cms_write_grain_state(
    p_id_hash integer, p_id_n0 bigint, p_id_n1 bigint, p_type_hash integer, p_type varchar,
    p_id_extension varchar, p_service varchar, p_seen_version integer, p_payload bytea)
RETURNS TABLE (newgrainstateversion integer) LANGUAGE plpgsql AS $$
DECLARE
    written integer := 0;
BEGIN
    IF p_seen_version IS NULL THEN
        INSERT INTO orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring,
                                    grainidextensionstring, serviceid, payloadbinary, modifiedon, version)
        VALUES (p_id_hash, p_id_n0, p_id_n1, p_type_hash, p_type, p_id_extension, p_service, p_payload,
                now() AT TIME ZONE 'utc', 1)
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS written = ROW_COUNT;
        RETURN QUERY SELECT CASE WHEN written > 0 THEN 1 END;
        RETURN;
    END IF;

    UPDATE orleansstorage
       SET payloadbinary = p_payload, modifiedon = now() AT TIME ZONE 'utc', version = version + 1
     WHERE grainidhash = p_id_hash AND graintypehash = p_type_hash
       AND grainidn0 = p_id_n0 AND grainidn1 = p_id_n1
       AND graintypestring = p_type AND serviceid = p_service
       AND grainidextensionstring IS NOT DISTINCT FROM p_id_extension
       AND version = p_seen_version;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN QUERY SELECT CASE WHEN written > 0 THEN p_seen_version + 1 ELSE p_seen_version END;
END
$$;

INSERT INTO orleansquery (querykey, querytext) VALUES

('WriteToStorageKey', $q$
    SELECT newgrainstateversion
      FROM cms_write_grain_state(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                                 @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary);
$q$),

-- A row with a null payload is a cleared grain: the provider reports it as "no record", keeping the version.
('ReadFromStorageKey', $q$
    SELECT payloadbinary, now() AT TIME ZONE 'utc' AS readat, version
      FROM orleansstorage
     WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
       AND graintypestring = @GrainTypeString AND serviceid = @ServiceId
       AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString;
$q$),

-- ClearStateAsync with DeleteStateOnClear = false (the default): keep the row, drop the payload.
('ClearStorageKey', $q$
    UPDATE orleansstorage
       SET payloadbinary = NULL, modifiedon = now() AT TIME ZONE 'utc', version = version + 1
     WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
       AND graintypestring = @GrainTypeString AND serviceid = @ServiceId
       AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
       AND version = @GrainStateVersion
    RETURNING version AS newgrainstateversion;
$q$),

-- ClearStateAsync with DeleteStateOnClear = true (optional key): remove the row. The answer only has to
-- differ from the caller's version; the provider then forgets the ETag.
('DeleteStorageKey', $q$
    DELETE FROM orleansstorage
     WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
       AND graintypestring = @GrainTypeString AND serviceid = @ServiceId
       AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
       AND version = @GrainStateVersion
    RETURNING version + 1 AS newgrainstateversion;
$q$);
