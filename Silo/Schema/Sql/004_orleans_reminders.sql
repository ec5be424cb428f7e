-- Orleans reminders (ADO.NET reminder table). The version is the reminder's ETag.

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
-- Reminders whose grain hash falls in (BeginHash, EndHash] ...
('ReadRangeRows1Key', $q$
    SELECT grainid, remindername, starttime, period, version
      FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND grainhash > @BeginHash AND grainhash <= @EndHash;
$q$),
-- ... or, for a range that wraps around the ring, outside (EndHash, BeginHash].
('ReadRangeRows2Key', $q$
    SELECT grainid, remindername, starttime, period, version
      FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND (grainhash > @BeginHash OR grainhash <= @EndHash);
$q$),
('DeleteReminderRowKey', $q$
    DELETE FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName AND version = @Version;
$q$),
('DeleteReminderRowsKey', $q$
    DELETE FROM orleansreminderstable WHERE serviceid = @ServiceId;
$q$);
