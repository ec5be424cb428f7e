using FsCheck;
using FsCheck.Fluent;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;

namespace OrleansCms.Tests.Fuzz;

/// <summary>Generators of invalid input for <see cref="IEcuGrain"/>: heartbeats, registrations and catalogue calls.</summary>
public static class EcuCases
{
    private static readonly TimeSpan Positive = TimeSpan.FromMilliseconds(10);

    /// <summary>Measurements no agent can make: NaN, infinite, negative or over-full figures, null entries.</summary>
    public static Gen<FuzzCase<EcuHeartbeat?>> BadHeartbeats(EcuHeartbeat valid)
    {
        var m = valid.Metrics;
        var programs = valid.Programs;
        FuzzCase<EcuHeartbeat?> Case(string what, EcuHeartbeat? heartbeat) => new(what, heartbeat);
        FuzzCase<EcuHeartbeat?> Program(string what, Func<RunningProgram, RunningProgram> change) =>
            Case(what, valid with { Programs = [.. programs.Select((p, i) => i == 0 ? change(p) : p)] });

        return Gen.OneOf(
            Gen.Constant(Case("no heartbeat", null)),
            Gen.Constant(Case("no metrics", valid with { Metrics = null! })),
            FuzzValues.NonFiniteOrNegative.Select(v => Case($"CPU load {v}", valid with { Metrics = m with { CpuLoad = v } })),
            Gen.Elements(1.000001, 1.5, 2, double.MaxValue).Select(v => Case($"CPU load {v} (over all cores)", valid with { Metrics = m with { CpuLoad = v } })),
            FuzzValues.NegativeLong.Select(v => Case($"RAM used {v}", valid with { Metrics = m with { RamUsedBytes = v } })),
            FuzzValues.NegativeLong.Select(v => Case($"RAM total {v}", valid with { Metrics = m with { RamTotalBytes = v } })),
            Gen.Constant(Case("a null program", valid with { Programs = [.. programs, null!] })),
            FuzzValues.NegativeLong.Select(v => Program($"program ID {(int)Math.Max(int.MinValue, v)}", p => p with { ProgramId = (int)Math.Max(int.MinValue, v) })),
            Gen.Constant(Program("program without name", p => p with { Name = null! })),
            FuzzValues.NegativeLong.Select(v => Program($"program RSS {v}", p => p with { RssBytes = v })),
            FuzzValues.NonFiniteOrNegative.Select(v => Program($"program CPU load {v}", p => p with { CpuLoad = v })),
            FuzzValues.NegativeLong.Select(v => Program($"program acknowledged version {v}", p => p with { LastAcknowledgedVersion = v })),
            from load in FuzzValues.NonFiniteOrNegative
            from name in FuzzValues.AnyText
            select Case($"CPU load {load} and a program named '{FuzzValues.Short(name)}'",
                new EcuHeartbeat(m with { CpuLoad = load }, [.. programs.Select(p => p with { Name = name ?? "" })])));
    }

    /// <summary>Registrations without a name, RAM or CPU cores (the rest random, huge strings included).</summary>
    public static Gen<FuzzCase<EcuRegistration?>> BadRegistrations(EcuRegistration valid)
    {
        FuzzCase<EcuRegistration?> Case(string what, EcuRegistration? registration) => new(what, registration);
        var random =
            from name in FuzzValues.AnyText
            from ram in FuzzValues.AnyLong
            from cores in FuzzValues.AnyInt
            from beside in ArbMap.Default.GeneratorFor<bool>()
            from instance in FuzzValues.AnyText
            select Case($"random: name '{FuzzValues.Short(name)}', RAM {ram}, {cores} cores, instance '{FuzzValues.Short(instance)}'",
                new EcuRegistration(name!, ram, cores, beside, instance));

        return Gen.OneOf(
            Gen.Constant(Case("no registration", null)),
            FuzzValues.Blank.Select(name => Case($"name '{FuzzValues.Short(name)}'", valid with { Name = name! })),
            FuzzValues.NonPositiveLong.Select(ram => Case($"RAM {ram}", valid with { RamBytes = ram })),
            FuzzValues.NonPositiveInt.Select(cores => Case($"{cores} CPU cores", valid with { CpuCores = cores })),
            random.Where(c => string.IsNullOrWhiteSpace(c.Value!.Name) || c.Value.RamBytes <= 0 || c.Value.CpuCores <= 0));
    }

    /// <summary>
    /// Catalogue calls an ECU must refuse, given its next free program ID and one of its active programs: bad
    /// program entries, reused IDs, end states that are none, crashes and migrations of programs it does not run.
    /// </summary>
    public static Gen<FuzzCase<Func<IEcuGrain, Task>>> BadCatalogueCalls(int nextId, int activeId)
    {
        var valid = new ProgramEntry(nextId, new ProgramInfo("fuzzed", 32L << 20), null, DateTimeOffset.UtcNow);
        var p = valid.Program;
        FuzzCase<Func<IEcuGrain, Task>> Add(string what, ProgramEntry? entry) => new($"add {what}", ecu => ecu.AddProgramAsync(entry!));
        FuzzCase<Func<IEcuGrain, Task>> Call(string what, Func<IEcuGrain, Task> call) => new(what, call);

        return Gen.OneOf(
            Gen.Constant(Add("no entry", null)),
            FuzzValues.NegativeLong.Select(v => (int)Math.Max(int.MinValue, v)).Select(id => Add($"program ID {id}", valid with { ProgramId = id })),
            Gen.Choose(0, nextId - 1).Select(id => Add($"another program under used ID {id}", valid with { ProgramId = id, Program = p with { Name = "another" } })),
            Gen.Constant(Add("the last possible program ID", valid with { ProgramId = int.MaxValue })),
            Gen.Constant(Add("no program", valid with { Program = null! })),
            FuzzValues.Blank.Select(name => Add($"program name '{FuzzValues.Short(name)}'", valid with { Program = p with { Name = name! } })),
            FuzzValues.NonPositiveLong.Select(ram => Add($"program RAM {ram}", valid with { Program = p with { RamBytes = ram } })),
            FuzzValues.NonPositiveLong.Select(t => Add($"period of {t} ticks", valid with { Program = p with { Period = TimeSpan.FromTicks(t), Wcet = Positive } })),
            FuzzValues.NonPositiveLong.Select(t => Add($"WCET of {t} ticks", valid with { Program = p with { Period = Positive, Wcet = TimeSpan.FromTicks(t) } })),
            Gen.Choose(1, 1000).Select(t => Add($"WCET {t} ticks over the period", valid with { Program = p with { Period = Positive, Wcet = Positive + TimeSpan.FromTicks(t) } })),
            Gen.Constant(Add("a period without WCET", valid with { Program = p with { Period = Positive } })),
            Gen.Constant(Add("a WCET without period", valid with { Program = p with { Wcet = Positive } })),
            Gen.Elements(-1, 5, 6, 42, 255, int.MaxValue, int.MinValue).Select(s =>
                Call($"end program {activeId} as status {s}", ecu => ecu.EndProgramAsync(activeId, (ProgramEntryStatus)s, "fuzz"))),
            Gen.Elements(ProgramEntryStatus.Active, ProgramEntryStatus.Crashed).Select(s =>
                Call($"end program {activeId} as {s}", ecu => ecu.EndProgramAsync(activeId, s, "fuzz"))),
            from id in Gen.OneOf(FuzzValues.NegativeLong.Select(v => (int)Math.Max(int.MinValue, v)), Gen.Choose(nextId, int.MaxValue - 1))
            from detail in FuzzValues.AnyText
            select Call($"report a crash of unknown program {id}", ecu => ecu.ReportCrashAsync(id, detail!)),
            FuzzValues.MalformedMac.Select(target =>
                Call($"migrate program {activeId} to '{FuzzValues.Short(target)}'", ecu => ecu.RequestMigrationAsync(activeId, target))),
            Gen.Choose(nextId, int.MaxValue - 1).Select(id => Call($"migrate unknown program {id}", ecu => ecu.RequestMigrationAsync(id, null))));
    }

    /// <summary>Program IDs from anywhere in the int range, the edges and the neighbourhood of small IDs often.</summary>
    public static Gen<FuzzCase<ProgramEntry>> AnyIdEntries() =>
        Gen.Frequency(
            (3, FuzzValues.AnyInt),
            (2, Gen.Elements(int.MaxValue, int.MaxValue - 1, int.MaxValue - 2)),
            (3, Gen.Choose(0, 50)))
        .Select(id => new FuzzCase<ProgramEntry>($"add program ID {id}", new ProgramEntry(id, new ProgramInfo("any-id", 1L << 20), null, DateTimeOffset.UtcNow)));

    /// <summary>Keys an ECU grain must refuse to act under (any call), with the calls an agent or the API makes.</summary>
    public static Gen<FuzzCase<KeyedCall>> CallsOnNonCanonicalKeys()
    {
        var registration = new EcuRegistration("fuzzed-key", 1L << 30, 2);
        var heartbeat = new EcuHeartbeat(new EcuMetrics(0.1, 1L << 20, 1L << 30), []);
        var entry = new ProgramEntry(0, new ProgramInfo("fuzzed-key", 1L << 20), null, DateTimeOffset.UtcNow);
        var calls = new (string Name, Func<IEcuGrain, Task> Call)[]
        {
            ("register", ecu => ecu.RegisterAsync(registration)),
            ("rejoin", ecu => ecu.RejoinAsync(registration)),
            ("heartbeat", ecu => ecu.HeartbeatAsync(heartbeat)),
            ("add a program", ecu => ecu.AddProgramAsync(entry)),
            ("declare failed", ecu => ecu.DeclareFailedAsync("fuzz")),
            ("report a crash", ecu => ecu.ReportCrashAsync(0, "fuzz")),
            ("request a migration", ecu => ecu.RequestMigrationAsync(0, null)),
        };
        return from key in FuzzValues.NonCanonicalMac
               from call in Gen.Elements(calls)
               select new FuzzCase<KeyedCall>($"{call.Name} on ECU key '{FuzzValues.Short(key)}'",
                   new KeyedCall(key, grains => call.Call(grains.GetGrain<IEcuGrain>(key))));
    }

    /// <summary>Keys that are no canonical <c>mac/programId</c>, with the checkpoint grain calls made on them.</summary>
    public static Gen<FuzzCase<KeyedCall>> CallsOnMalformedCheckpointKeys(Func<ICheckpointGrain, Task> offer)
    {
        var keys = Gen.OneOf(
            from mac in FuzzValues.NonCanonicalMac from id in Gen.Choose(0, 100) select $"{mac}/{id}",
            from mac in FuzzValues.CanonicalMac
            from id in Gen.Elements("-1", "x", "", " 1", "1 ", "+1", "01", "1.0", "99999999999", "１", "1/2", "0x1")
            select $"{mac}/{id}",
            FuzzValues.CanonicalMac,
            FuzzValues.AwkwardText)
            .Where(key => !IsCanonicalCheckpointKey(key));
        var calls = new (string Name, Func<ICheckpointGrain, Task> Call)[]
        {
            ("offer", offer),
            ("claim", grain => grain.ClaimAsync("fuzz")),
            ("read chunks", async grain =>
            {
                await foreach (var _ in grain.ReadChunksAsync(1))
                {
                }
            }),
        };
        return from key in keys
               from call in Gen.Elements(calls)
               select new FuzzCase<KeyedCall>($"{call.Name} on checkpoint key '{FuzzValues.Short(key)}'",
                   new KeyedCall(key, grains => call.Call(grains.GetGrain<ICheckpointGrain>(key))));
    }

    private static bool IsCanonicalCheckpointKey(string key)
    {
        try
        {
            return CheckpointKey.Parse(key).ToString() == key;
        }
        catch (CheckpointRejectedException)
        {
            return false;
        }
    }
}
