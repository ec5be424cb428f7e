using OrleansCms.Benchmarks;

// ./cms bench NAME: prints its figures and, last, one JSON line of the headline figures.
var name = args.FirstOrDefault() ?? "";
var connectionString = Environment.GetEnvironmentVariable("CMS_POSTGRES")
    ?? throw new InvalidOperationException("CMS_POSTGRES is not set; run the benchmarks with ./cms bench NAME.");
switch (name)
{
    case "ingest":
        await IngestBenchmark.RunAsync(connectionString, args.Skip(1).ToArray());
        return 0;
    case "liveness":
        await LivenessBenchmark.RunAsync(connectionString, args.Skip(1).ToArray());
        return 0;
    case "restore":
        await RestoreBenchmark.RunAsync(connectionString, args.Skip(1).ToArray());
        return 0;
    case "partition":
        return await OrleansCms.Benchmarks.Partition.PartitionBenchmark.RunAsync(connectionString, args.Skip(1).ToArray());
    case "failover":
        return await OrleansCms.Benchmarks.Failover.FailoverBenchmark.RunAsync(connectionString, args.Skip(1).ToArray());
    case "soak":
        return await OrleansCms.Benchmarks.Soak.SoakBenchmark.RunAsync(connectionString, args.Skip(1).ToArray());
    default:
        await Console.Error.WriteLineAsync($"usage: ./cms bench ingest|liveness|restore [--quick] (restore also [--small-only]; liveness also [--scale]: 2,500 to 10,000 ECUs on three silos){Environment.NewLine}       ./cms bench failover [--quick] [--kills N]{Environment.NewLine}       {OrleansCms.Benchmarks.Partition.PartitionOptions.Usage}{Environment.NewLine}       {OrleansCms.Benchmarks.Soak.SoakOptions.Usage}");
        return 2;
}
