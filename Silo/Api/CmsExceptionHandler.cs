using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using OrleansCms.Checkpoints;

namespace OrleansCms.Api;

/// <summary>
/// Turns every exception that escapes an endpoint into problem details: a bad request (malformed JSON, a wrong
/// content type, a checkpoint the grains reject) keeps its 4xx status and says why; an unavailable cluster is
/// 503; anything else is 500 with the exception's message. Endpoints answer the conflicts they expect themselves.
/// </summary>
internal sealed partial class CmsExceptionHandler(IProblemDetailsService problems, ILogger<CmsExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => Describe(http, bad),
            CheckpointRejectedException rejected => (StatusCodes.Status400BadRequest, $"Rejected: {rejected.Reason}", rejected.Message),
            TimeoutException or SiloUnavailableException or OrleansMessageRejectionException =>
                (StatusCodes.Status503ServiceUnavailable, "Cluster unavailable", exception.Message),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error", $"{exception.GetType().Name}: {exception.Message}"),
        };
        if (status >= StatusCodes.Status500InternalServerError)
        {
            RequestFailed(exception, http.Request.Method, http.Request.Path);
        }

        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    // The binder's message names the parameter; the JSON reader's says where the body is broken.
    private static (int Status, string Title, string Detail) Describe(HttpContext http, BadHttpRequestException bad) => bad switch
    {
        { StatusCode: StatusCodes.Status415UnsupportedMediaType } =>
            (bad.StatusCode, "Unsupported media type", ProblemDescriptions.UnsupportedMediaType(http)),
        { InnerException: System.Text.Json.JsonException json } =>
            (bad.StatusCode, "Malformed JSON body", ProblemDescriptions.MalformedJson(http, json)),
        { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (bad.StatusCode, "Body too large", $"The body of {http.Request.Method} {http.Request.Path} is larger than the CMS accepts; send a smaller one."),
        _ => (bad.StatusCode, "Bad request", bad.Message),
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private partial void RequestFailed(Exception exception, string method, string path);
}
