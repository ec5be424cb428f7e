using OrleansCms.Cli;

return await AgentCommandLine.Build().Parse(args).InvokeAsync();
