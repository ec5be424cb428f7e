using Microsoft.Extensions.Options;
using OrleansCms.Api;
using OrleansCms.Hosting;
using OrleansCms.Schema;

try
{
    // Settings live next to the binary, wherever the silo is started from.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddCmsSilo();
    var app = builder.Build();
    // Every option now (building read the endpoints already), so that a bad one is one line, not the host's failure log.
    app.Services.GetRequiredService<IStartupValidator>().Validate();
    app.MapCmsApi();
    await app.Services.GetRequiredService<SchemaBootstrapper>().EnsureAsync(CancellationToken.None);
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (StartupFailure.TryDescribe(e, out var message))
{
    await Console.Error.WriteLineAsync($"cms silo: {message}");
    return 2;
}
