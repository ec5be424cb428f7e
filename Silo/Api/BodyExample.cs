namespace OrleansCms.Api;

/// <summary>Endpoint metadata: a JSON body the endpoint takes, quoted when a request's body is wrong.</summary>
internal sealed record BodyExample(string Json);
