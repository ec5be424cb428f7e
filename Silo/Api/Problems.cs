namespace OrleansCms.Api;

/// <summary>RFC 7807 answers for the client errors every endpoint shares.</summary>
internal static class Problems
{
    public static IResult BadRequest(string title, string detail) => Problem(StatusCodes.Status400BadRequest, title, detail);

    public static IResult NotFound(string title, string detail) => Problem(StatusCodes.Status404NotFound, title, detail);

    public static IResult Conflict(string title, string detail) => Problem(StatusCodes.Status409Conflict, title, detail);

    public static IResult MalformedMac(string? mac, string what = "MAC address") =>
        BadRequest($"Malformed {what}", $"'{mac}' is not a MAC address; expected six hex bytes such as aa:bb:cc:dd:ee:ff.");

    public static IResult UnknownEcu(string mac) => NotFound("Unknown ECU", $"No ECU {mac} has registered; GET /api/ecus?all=true lists every ECU the CMS knows.");

    private static IResult Problem(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);
}
