using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using OrleansCms.Checkpoints;
using OrleansCms.Storage;
using OrleansCms.Tests.Fixtures;
using static OrleansCms.Checkpoints.RejectReason;

namespace OrleansCms.Tests.Fuzz;

/// <summary>
/// Generators of bad offers: a valid next checkpoint with one thing broken (in its manifest, or in what its agent
/// sends when pulled), and manifests made of random values.
/// </summary>
public static class OfferCases
{
    /// <summary>Small chunks, so that a payload of a few hundred KiB has several.</summary>
    public const int ChunkBytes = 32 << 10;

    private static readonly IngestOptions Limits = new();
    private static readonly IReadOnlyDictionary<string, ChunkData> NoChunks = new Dictionary<string, ChunkData>();

    /// <summary>A payload of random bytes; every other seed zeroes its second half, so that some chunks compress with LZ4.</summary>
    public static byte[] Payload(int size, int seed)
    {
        var payload = TestCheckpoint.RandomPayload(size, seed);
        if (seed % 2 == 0)
        {
            Array.Clear(payload, size / 2, size - (size / 2));
        }

        return payload;
    }

    /// <summary>A valid checkpoint of version <paramref name="stored"/>.Version + 1, broken in one way.</summary>
    public static Gen<OfferCase> Mutated(CheckpointManifest stored) =>
        from size in Gen.Choose(1, 150_000)
        from seed in Gen.Choose(0, int.MaxValue)
        let next = TestCheckpoint.Create(Payload(size, seed), stored.Version + 1, ChunkBytes)
        from broken in Gen.Frequency(
            (3, Gen.OneOf(ManifestFaults(next, stored))),
            (1, Gen.OneOf(ProgramFaults(next))),
            (2, AgentFaults(next)))
        select broken;

    /// <summary>Manifests of random values (and some of a plausible shape whose chunks the agent fills with random bytes).</summary>
    public static Gen<OfferCase> Random(long storedVersion) =>
        Gen.Frequency((3, Anything()), (2, PlausibleShape(storedVersion)));

    private static IEnumerable<Gen<OfferCase>> ManifestFaults(TestCheckpoint next, CheckpointManifest stored)
    {
        var m = next.Manifest;
        var n = m.Chunks.Length;
        OfferCase Case(string what, CheckpointManifest? manifest, params RejectReason[] expected) =>
            new(what, manifest, next.Chunks, SourceFault.None, WithoutSource: false, expected);
        CheckpointManifest WithChunks(ImmutableArray<ChunkRef> chunks) => m with { Chunks = chunks, TotalSize = chunks.Sum(c => (long)c.Length) };
        // A changed chunk list whose digest was made to match it: refused only where the chunks' bytes are checked.
        CheckpointManifest Relisted(ImmutableArray<ChunkRef> chunks) => m with { Chunks = chunks, Sha256 = ChunkListDigest.Of(chunks)! };

        yield return Gen.Constant(Case("no manifest", null, InvalidManifest));
        yield return Gen.Constant(new OfferCase("no chunk source", m, next.Chunks, SourceFault.None, WithoutSource: true, [SourceUnavailable]));
        yield return FuzzValues.NonPositiveLong.Select(v => Case($"version {v}", m with { Version = v }, InvalidManifest));
        yield return Gen.Choose(1, (int)stored.Version).Select(v => Case($"version {v}, not newer than the stored {stored.Version}", m with { Version = v }, StaleVersion));
        yield return FuzzValues.NegativeLong.Select(v => Case($"total size {v}", m with { TotalSize = v }, InvalidManifest));
        yield return Gen.Choose(-1000, 1000).Where(d => d != 0).Select(d => Case($"total size off by {d}", m with { TotalSize = m.TotalSize + d }, InvalidManifest));
        yield return Gen.Elements(Limits.MaxPayloadBytes + 1, long.MaxValue).Select(v => Case($"total size {v}", m with { TotalSize = v }, TooLarge));
        yield return Gen.OneOf(FuzzValues.Blank, Gen.Elements<string?>(m.Sha256.ToUpperInvariant(), m.Sha256[..63], m.Sha256 + "0", " " + m.Sha256[1..], "g" + m.Sha256[1..]))
            .Select(d => Case($"digest '{FuzzValues.Short(d)}'", m with { Sha256 = d! }, InvalidManifest));
        yield return FuzzValues.RandomSha256.Select(d => Case("digest of other bytes", m with { Sha256 = d }, DigestMismatch));
        yield return Gen.Elements(64 << 10, 256 << 10).Select(length =>
            Case($"program name of {length} chars and digest of other bytes",
                m with { Program = m.Program with { Name = new string('n', length) }, Sha256 = new string('0', 64), CreatedAt = DateTimeOffset.MinValue },
                DigestMismatch));
        yield return Gen.Constant(Case("chunk list missing", m with { Chunks = default }, InvalidManifest));
        yield return Gen.Constant(Case("chunk list empty", m with { Chunks = [] }, InvalidManifest));
        yield return Gen.Choose(0, n - 1).Select(i => Case($"chunk {i} of {n} left out", m with { Chunks = m.Chunks.RemoveAt(i) }, InvalidManifest));
        yield return Gen.Choose(0, n - 1).Select(i => Case($"chunk {i} of {n} left out, total size adjusted", WithChunks(m.Chunks.RemoveAt(i)), DigestMismatch));
        yield return Gen.Choose(0, n - 1).Select(i => Case($"chunk {i} of {n} twice, total size adjusted", WithChunks(m.Chunks.Insert(i, m.Chunks[i])), DigestMismatch));
        yield return Gen.Constant(m.Chunks.Reverse().ToImmutableArray()).Select(reversed => reversed.SequenceEqual(m.Chunks)
            ? Case("a single chunk and a digest of the empty payload", m with { Sha256 = ChunkEncoding.Sha256Hex([]) }, DigestMismatch)
            : Case($"the {n} chunks in reverse order", m with { Chunks = reversed }, DigestMismatch));
        yield return (from i in Gen.Choose(0, n - 1) from sha in FuzzValues.RandomSha256
                      select Case($"chunk {i} names a chunk nobody has", m with { Chunks = m.Chunks.SetItem(i, m.Chunks[i] with { Sha256 = sha }) }, DigestMismatch));
        yield return (from i in Gen.Choose(0, n - 1) from sha in FuzzValues.RandomSha256
                      select Case($"chunk {i} names a chunk nobody has, the digest made to match", Relisted(m.Chunks.SetItem(i, m.Chunks[i] with { Sha256 = sha })), ChunkHashMismatch));
        yield return FuzzValues.RandomSha256.Select(d => Case("a payload digest of other bytes", m with { Digest = ManifestDigest.Payload, Sha256 = d }, DigestMismatch));
        yield return Gen.Constant(Case("an unknown kind of digest", m with { Digest = (ManifestDigest)7 }, InvalidManifest));
        yield return (from i in Gen.Choose(0, n - 1) from j in Gen.Choose(0, stored.Chunks.Length - 1)
                      select Case($"chunk {i} names chunk {j} of the stored version",
                          m with { Chunks = m.Chunks.SetItem(i, m.Chunks[i] with { Sha256 = stored.Chunks[j].Sha256 }) }, ChunkHashMismatch, DigestMismatch));
        yield return (from i in Gen.Choose(0, n - 1) from length in FuzzValues.NonPositiveInt
                      select Case($"chunk {i} of length {length}", m with { Chunks = m.Chunks.SetItem(i, m.Chunks[i] with { Length = length }) }, InvalidManifest));
        yield return Gen.Choose(0, n - 1).Select(i =>
            Case($"chunk {i} over the chunk limit", m with { Chunks = m.Chunks.SetItem(i, m.Chunks[i] with { Length = Limits.MaxChunkBytes + 1 }) }, ChunkTooLarge));
        yield return (from i in Gen.Choose(0, n - 1) from delta in Gen.Elements(-1, 1)
                      select Case($"chunk {i} length off by {delta}, total size adjusted",
                          WithChunks(m.Chunks.SetItem(i, m.Chunks[i] with { Length = m.Chunks[i].Length + delta })), DigestMismatch, InvalidManifest));
        yield return (from i in Gen.Choose(0, n - 1)
                      from sha in Gen.Elements<string?>(null, "", m.Chunks[i].Sha256.ToUpperInvariant(), m.Chunks[i].Sha256[1..], m.Chunks[i].Sha256 + "a")
                      select Case($"chunk {i} hash '{FuzzValues.Short(sha)}'", m with { Chunks = m.Chunks.SetItem(i, m.Chunks[i] with { Sha256 = sha! }) }, InvalidManifest));
        yield return Gen.Choose(0, n - 1).Select(i => Case($"chunk {i} null", m with { Chunks = m.Chunks.SetItem(i, null!) }, InvalidManifest));
    }

    private static IEnumerable<Gen<OfferCase>> ProgramFaults(TestCheckpoint next)
    {
        var m = next.Manifest;
        var p = m.Program;
        var positive = TimeSpan.FromMilliseconds(10);
        OfferCase Case(string what, ProgramInfo? program) =>
            new(what, m with { Program = program! }, next.Chunks, SourceFault.None, WithoutSource: false, [InvalidManifest]);

        yield return Gen.Constant(Case("no program", null));
        yield return FuzzValues.Blank.Select(name => Case($"program name '{FuzzValues.Short(name)}'", p with { Name = name! }));
        yield return FuzzValues.NegativeLong.Select(ram => Case($"program RAM {ram}", p with { RamBytes = ram }));
        yield return FuzzValues.NonPositiveLong.Select(ticks => Case($"period of {ticks} ticks", p with { Period = TimeSpan.FromTicks(ticks), Wcet = positive }));
        yield return FuzzValues.NonPositiveLong.Select(ticks => Case($"WCET of {ticks} ticks", p with { Period = positive, Wcet = TimeSpan.FromTicks(ticks) }));
        yield return Gen.Choose(1, 1000).Select(extra => Case($"WCET {extra} ticks over the period", p with { Period = positive, Wcet = positive + TimeSpan.FromTicks(extra) }));
        yield return Gen.Constant(Case("a period without WCET", p with { Period = positive, Wcet = null }));
        yield return Gen.Constant(Case("a WCET without period", p with { Period = null, Wcet = positive }));
    }

    private static Gen<OfferCase> AgentFaults(TestCheckpoint next) =>
        Gen.Elements(Enum.GetValues<SourceFault>().Where(f => f is not (SourceFault.None or SourceFault.RandomBytes)).ToArray())
            .Select(fault => new OfferCase($"the agent answers pulls: {fault}", next.Manifest, next.Chunks, fault, WithoutSource: false,
                fault == SourceFault.Throws ? [] : [ChunkHashMismatch]));

    private static Gen<OfferCase> Anything() =>
        from version in FuzzValues.AnyLong
        from total in FuzzValues.AnyLong
        from digest in Gen.OneOf(FuzzValues.RandomSha256.Select(s => (string?)s), FuzzValues.AnyText)
        from refs in ChunkRefs().ArrayOf()
        from noList in Gen.Frequency((1, Gen.Constant(true)), (9, Gen.Constant(false)))
        from program in Programs()
        from createdAt in ArbMap.Default.GeneratorFor<DateTimeOffset>()
        select Random($"random: version {version}, size {total}, digest '{FuzzValues.Short(digest)}', {(noList ? "no chunk list" : $"{refs.Length} chunks")}, program '{FuzzValues.Short(program?.Name)}'",
            new CheckpointManifest(version, total, digest!, noList ? default : [.. refs], program!, createdAt));

    private static Gen<OfferCase> PlausibleShape(long storedVersion) =>
        from ahead in Gen.Choose(1, 1000)
        from lengths in Gen.Choose(1, 64 << 10).NonEmptyListOf()
        from hashes in FuzzValues.RandomSha256.ArrayOf(lengths.Count)
        from digest in FuzzValues.RandomSha256
        select Random($"random chunks of a plausible manifest: version {storedVersion + ahead}, {lengths.Count} chunks",
            new CheckpointManifest(storedVersion + ahead, lengths.Sum(l => (long)l), digest,
                [.. hashes.Zip(lengths, (h, l) => new ChunkRef(h, l))], new ProgramInfo("random", 1 << 20), DateTimeOffset.UtcNow));

    private static OfferCase Random(string what, CheckpointManifest manifest) =>
        new(what, manifest, NoChunks, SourceFault.RandomBytes, WithoutSource: false, []);

    private static Gen<ChunkRef?> ChunkRefs() =>
        Gen.Frequency(
            (1, Gen.Constant<ChunkRef?>(null)),
            (8, from sha in Gen.OneOf(FuzzValues.RandomSha256.Select(s => (string?)s), FuzzValues.AnyText)
                from length in FuzzValues.AnyInt
                select (ChunkRef?)new ChunkRef(sha!, length)));

    private static Gen<ProgramInfo?> Programs() =>
        Gen.Frequency(
            (1, Gen.Constant<ProgramInfo?>(null)),
            (8, from name in FuzzValues.AnyText
                from ram in FuzzValues.AnyLong
                from period in TimeSpans()
                from wcet in TimeSpans()
                from command in FuzzValues.AnyText.ArrayOf()
                select (ProgramInfo?)new ProgramInfo(name!, ram, period, wcet, Command: command!)));

    private static Gen<TimeSpan?> TimeSpans() =>
        Gen.OneOf(Gen.Constant<TimeSpan?>(null), FuzzValues.AnyLong.Select(ticks => (TimeSpan?)TimeSpan.FromTicks(ticks)));
}
