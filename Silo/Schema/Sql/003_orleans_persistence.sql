-- Orleans grain state (ADO.NET grain storage provider). One row per (service, grain type, grain id); the
-- integer version is the ETag: a write names the version it read and succeeds only if it is still current.

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

CREATE FUNCTION cms_write_grain_state(
    p_id_hash integer, p_id_n0 bigint, p_id_n1 bigint, p_type_hash integer, p_type varchar,
    p_id_extension varchar, p_service varchar, p_seen_version integer, p_payload bytea)
RETURNS TABLE (newgrainstateversion integer) LANGUAGE plpgsql AS $$
DECLARE
    written integer := 0;
BEGIN
    IF p_seen_version IS NULL THEN
        -- First write of this grain: create the row unless another activation already did.
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
    -- An unchanged version tells the provider the write lost (InconsistentStateException).
    RETURN QUERY SELECT CASE WHEN written > 0 THEN p_seen_version + 1 ELSE p_seen_version END;
END
$$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('WriteToStorageKey', $q$
    SELECT * FROM cms_write_grain_state(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
        @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary);
$q$),
('ReadFromStorageKey', $q$
    SELECT payloadbinary, now() AT TIME ZONE 'utc', version
      FROM orleansstorage
     WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
       AND graintypestring = @GrainTypeString AND serviceid = @ServiceId
       AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString;
$q$),
('ClearStorageKey', $q$
    UPDATE orleansstorage
       SET payloadbinary = NULL, version = version + 1
     WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
       AND graintypestring = @GrainTypeString AND serviceid = @ServiceId
       AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
       AND version = @GrainStateVersion
    RETURNING version AS newgrainstateversion;
$q$);
