using OrleansCms.Api;
using OrleansCms.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddCmsSilo();
    var app = builder.Build();
    app.MapCmsApi();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (StartupFailure.TryDescribe(e, out var message))
{
    await Console.Error.WriteLineAsync($"cms silo: {message}");
    return 2;
}
