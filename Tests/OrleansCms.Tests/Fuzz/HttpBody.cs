namespace OrleansCms.Tests.Fuzz;

/// <summary>A request body as bytes (any bytes, not only valid UTF-8), with its content type or none.</summary>
public sealed record HttpBody(byte[] Content, string? ContentType)
{
    public HttpContent ToContent()
    {
        var content = new ByteArrayContent(Content);
        if (ContentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }

        return content;
    }
}
