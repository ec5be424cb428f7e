-- Orleans reminders (ADO.NET reminder table, Microsoft.Orleans.Reminders.AdoNet 10.x). The 10.x provider
-- stores only interval reminders (period in milliseconds); the cron/priority columns of the upstream
-- "advanced reminders" scripts are not read by it. The version is the reminder's ETag.

CREATE TABLE orleansreminderstable (
    serviceid     varchar(150)   NOT NULL,
    grainid       varchar(150)   NOT NULL,
    remindername  varchar(150)   NOT NULL,
    starttime     timestamptz(3) NOT NULL,
    period        bigint         NOT NULL,
    grainhash     integer        NOT NULL,
    version       integer        NOT NULL,
    PRIMARY KEY (serviceid, grainid, remindername)
);
CREATE INDEX orleansreminderstable_by_hash ON orleansreminderstable (serviceid, grainhash);

INSERT INTO orleansquery (querykey, querytext) VALUES

-- Creates or replaces a reminder and answers its new version.
('UpsertReminderRowKey', $q$
    INSERT INTO orleansreminderstable (serviceid, grainid, remindername, starttime, period, grainhash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    ON CONFLICT (serviceid, grainid, remindername) DO UPDATE
       SET starttime = excluded.starttime, period = excluded.period, grainhash = excluded.grainhash,
           version = orleansreminderstable.version + 1
    RETURNING version;
$q$),

('ReadReminderRowsKey', $q$
    SELECT grainid, remindername, starttime, period, version
      FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND grainid = @GrainId;
$q$),

('ReadReminderRowKey', $q$
    SELECT grainid, remindername, starttime, period, version
      FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName;
$q$),

-- Grain hashes are uint on the ring, stored as signed int. The provider uses this query when
-- (int)BeginHash < (int)EndHash: the range (BeginHash, EndHash] ...
('ReadRangeRows1Key', $q$
    SELECT grainid, remindername, starttime, period, version
      FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND grainhash > @BeginHash AND grainhash <= @EndHash;
$q$),

-- ... and this one otherwise: the range wraps around (BeginHash = EndHash means the whole ring).
('ReadRangeRows2Key', $q$
    SELECT grainid, remindername, starttime, period, version
      FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND (grainhash > @BeginHash OR grainhash <= @EndHash);
$q$),

-- Must answer exactly one row with one column: the number of reminders removed (0 = stale ETag).
('DeleteReminderRowKey', $q$
    WITH removed AS (
        DELETE FROM orleansreminderstable
         WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName
           AND version = @Version
        RETURNING 1)
    SELECT count(*)::integer AS row_count FROM removed;
$q$),

('DeleteReminderRowsKey', $q$
    DELETE FROM orleansreminderstable WHERE serviceid = @ServiceId;
$q$);
