using OrleansCms.Demo;

// ./cms demo: the narrated run on a database of its own on the PostgreSQL server of CMS_POSTGRES; logs in the folder given.
if (Environment.GetEnvironmentVariable("CMS_POSTGRES") is not { Length: > 0 } connectionString)
{
    await Console.Error.WriteLineAsync("CMS_POSTGRES is not set; run the demo with ./cms demo.");
    return 2;
}

return await DemoRun.RunAsync(connectionString, args.ElementAtOrDefault(0) ?? "logs");
