using OrleansCms.Checkpoints;
using OrleansCms.Storage;

namespace OrleansCms.Tests.Checkpoints;

/// <summary>What a program is charged against its ECU's quota while a version is uploaded and once it is stored.</summary>
public sealed class EcuQuotaChargeTests
{
    [Fact]
    public void Charge_FirstVersion_ItsSize() =>
        Assert.Equal(300, EcuQuota.Charge([], Manifest(1, 300), retainedVersions: 3));

    [Fact]
    public void Charge_RoomForAnotherVersion_AddsToWhatIsHeld() =>
        Assert.Equal(600, EcuQuota.Charge([Manifest(2, 200), Manifest(1, 100)], Manifest(3, 300), retainedVersions: 3));

    [Fact]
    public void Charge_NewVersionPrunesTheOldest_WhatIsKeptAfterwards() =>
        // Keeps v3 and v2 (500) and the new 1000; v1 (100) goes.
        Assert.Equal(1500, EcuQuota.Charge([Manifest(3, 300), Manifest(2, 200), Manifest(1, 100)], Manifest(4, 1000), retainedVersions: 3));

    [Fact]
    public void Charge_SmallerThanWhatIsHeldNow_WhatIsHeldNow() =>
        // Until the commit prunes v1, its bytes are still stored.
        Assert.Equal(1500, EcuQuota.Charge([Manifest(3, 300), Manifest(2, 200), Manifest(1, 1000)], Manifest(4, 10), retainedVersions: 3));

    [Fact]
    public void Charge_OneRetainedVersion_TheLargerOfOldAndNew() =>
        Assert.Equal(700, EcuQuota.Charge([Manifest(1, 700)], Manifest(2, 500), retainedVersions: 1));

    private static CheckpointManifest Manifest(long version, long size) =>
        new(version, size, new string('0', 64), [], new ProgramInfo("p", 1 << 20), DateTimeOffset.UnixEpoch);
}
