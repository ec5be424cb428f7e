using OrleansCms.Demo;

// ./cms demo: the narrated run on a database of its own on the PostgreSQL server of CMS_POSTGRES; logs in the folder given.
if (Environment.GetEnvironmentVariable("CMS_POSTGRES") is not { Length: > 0 } connectionString)
{
    await Console.Error.WriteLineAsync("CMS_POSTGRES is not set; run the demo with ./cms demo.");
    return 2;
}

try
{
    return await DemoRun.RunAsync(connectionString, args.ElementAtOrDefault(0) ?? "logs");
}
catch (Exception e) when (e is Orleans.Runtime.Messaging.ConnectionFailedException or InvalidOperationException)
{
    // The fleet did not come up (its processes are stopped by then); their logs say why.
    await Console.Error.WriteLineAsync($"cms demo: {e.Message}");
    return 1;
}
