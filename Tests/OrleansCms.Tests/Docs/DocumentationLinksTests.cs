using System.Text;
using System.Text.RegularExpressions;
using OrleansCms.Fleet;

namespace OrleansCms.Tests.Docs;

/// <summary>
/// Every link and image in README.md and docs/*.md leads to a file of this repository (and, with an anchor, to a
/// heading of that file), so the documentation never sends a reader to something they do not have.
/// </summary>
public partial class DocumentationLinksTests
{
    [Fact]
    public void ReadmeAndDocs_EveryRelativeLink_ResolvesInsideTheRepository()
    {
        var documents = Documents();
        Assert.Contains(documents, d => Path.GetFileName(d) == "README.md");

        var broken = new List<string>();
        var links = 0;
        foreach (var document in documents)
        {
            foreach (var (line, target) in Links(File.ReadAllText(document)))
            {
                links++;
                var problem = Check(document, target);
                if (problem is not null)
                {
                    broken.Add($"{Relative(document)}:{line}: ({target}) {problem}");
                }
            }
        }

        Assert.True(links > 0, "no links found at all; the extraction is broken");
        Assert.True(broken.Count == 0, $"{broken.Count} broken link(s):\n" + string.Join("\n", broken));
    }

    [Theory]
    [InlineData("The two commands", "the-two-commands")]
    [InlineData("What `./cms up` starts", "what-cms-up-starts")]
    [InlineData("Agents and fencing: the rules", "agents-and-fencing-the-rules")]
    [InlineData("Ingest (Checkpoint_Grain) — pull", "ingest-checkpoint_grain--pull")]
    [InlineData("See [the API](api.md)", "see-the-api")]
    public void Slug_IsGitHubStyle(string heading, string slug) => Assert.Equal(slug, Slug(heading));

    [Fact]
    public void Links_SkipCodeAndFindImagesAndTitles()
    {
        const string text = "a [x](one.md) and ![pic](img/p.png \"title\")\n`[not](code.md)`\n```\n[not](fenced.md)\n```\n[ref]: <two.md#b>\n";

        Assert.Equal(new[] { "one.md", "img/p.png", "two.md#b" }, Links(text).Select(l => l.Target));
    }

    /// <summary>README.md and every docs/*.md.</summary>
    private static List<string> Documents()
    {
        var documents = new List<string> { Path.Combine(ProductPaths.Checkout.Root, "README.md") };
        var docs = Path.Combine(ProductPaths.Checkout.Root, "docs");
        if (Directory.Exists(docs))
        {
            documents.AddRange(Directory.GetFiles(docs, "*.md", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal));
        }

        return documents;
    }

    /// <summary>Null when the link is fine, else what is wrong with it.</summary>
    private static string? Check(string document, string target)
    {
        if (IsExternal(target))
        {
            return null;
        }

        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var pathPart = hash < 0 ? target : target[..hash];
        var anchor = hash < 0 ? null : Uri.UnescapeDataString(target[(hash + 1)..]);
        var query = pathPart.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            pathPart = pathPart[..query];
        }

        string file;
        if (pathPart.Length == 0)
        {
            file = document; // #anchor in the same document
        }
        else
        {
            if (pathPart.StartsWith('/') || pathPart.StartsWith('\\') || Path.IsPathRooted(pathPart) || pathPart.Contains(':', StringComparison.Ordinal))
            {
                return "is an absolute path or another scheme; link relative to the document instead";
            }

            file = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, Uri.UnescapeDataString(pathPart)));
            var root = Path.TrimEndingDirectorySeparator(ProductPaths.Checkout.Root) + Path.DirectorySeparatorChar;
            if (!file.StartsWith(root, StringComparison.Ordinal))
            {
                return $"leads outside the repository, to {file}";
            }

            if (!File.Exists(file) && !Directory.Exists(file))
            {
                return $"{Relative(file)} does not exist";
            }
        }

        if (string.IsNullOrEmpty(anchor) || !file.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || !File.Exists(file))
        {
            return null;
        }

        return Anchors(File.ReadAllText(file)).Contains(anchor)
            ? null
            : $"{Relative(file)} has no heading with the anchor #{anchor}";
    }

    private static bool IsExternal(string target) =>
        target.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
        || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || target.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The targets of inline links and images (<c>[text](target "title")</c>, <c>![alt](&lt;target&gt;)</c>), of
    /// reference definitions (<c>[id]: target</c>) and of HTML <c>href</c>/<c>src</c> attributes, with their line
    /// numbers, outside fenced code blocks and code spans.
    /// </summary>
    private static List<(int Line, string Target)> Links(string markdown)
    {
        var links = new List<(int, string)>();
        var lines = markdown.Split('\n');
        string? fence = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var trimmed = line.TrimStart();
            if (fence is null && (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal)))
            {
                fence = trimmed[..3];
                continue;
            }

            if (fence is not null)
            {
                if (trimmed.StartsWith(fence, StringComparison.Ordinal))
                {
                    fence = null;
                }

                continue;
            }

            var text = CodeSpan().Replace(line, "");
            foreach (Match match in InlineLink().Matches(text))
            {
                links.Add((i + 1, Unwrap(match.Groups["target"].Value)));
            }

            var definition = ReferenceDefinition().Match(text);
            if (definition.Success)
            {
                links.Add((i + 1, Unwrap(definition.Groups["target"].Value)));
            }

            foreach (Match match in HtmlAttribute().Matches(text))
            {
                links.Add((i + 1, match.Groups["target"].Value));
            }
        }

        return links;
    }

    private static string Unwrap(string target)
    {
        target = target.Trim();
        return target.StartsWith('<') && target.EndsWith('>') ? target[1..^1] : target;
    }

    /// <summary>The anchors GitHub gives the document's headings (outside code blocks), duplicates numbered.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string? fence = null;
        foreach (var raw in markdown.Split('\n'))
        {
            var trimmed = raw.TrimEnd('\r').TrimStart();
            if (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))
            {
                fence = fence is null ? trimmed[..3] : trimmed.StartsWith(fence, StringComparison.Ordinal) ? null : fence;
                continue;
            }

            var heading = Heading().Match(raw.TrimEnd('\r'));
            if (fence is not null || !heading.Success)
            {
                continue;
            }

            var slug = Slug(heading.Groups["text"].Value);
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }

        return anchors;
    }

    /// <summary>GitHub's heading anchor: link syntax reduced to its text, lower case, punctuation removed, spaces to '-'.</summary>
    private static string Slug(string heading)
    {
        var text = InlineLink().Replace(heading, m => m.Groups["text"].Value).Trim();
        var slug = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (c == ' ')
            {
                slug.Append('-');
            }
            else if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
        }

        return slug.ToString();
    }

    private static string Relative(string path) => Path.GetRelativePath(ProductPaths.Checkout.Root, path);

    [GeneratedRegex(@"!?\[(?<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(?<target><[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:""[^""]*""|'[^']*'|\([^)]*\)))?\s*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^ {0,3}\[[^\]]+\]:\s*(?<target><[^>]*>|\S+)")]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex(@"<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*[""'](?<target>[^""']*)[""']", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlAttribute();

    [GeneratedRegex(@"(`+)(?:(?!\1).)+?\1")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^ {0,3}#{1,6}\s+(?<text>.*?)(?:\s+#+)?\s*$")]
    private static partial Regex Heading();
}
