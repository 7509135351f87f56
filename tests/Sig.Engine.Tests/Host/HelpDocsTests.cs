using Sig.Engine.Host;
using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>Every top-level command's `--help` names a docs/ page that exists in the repository.</summary>
public sealed class HelpDocsTests
{
    [Fact]
    public void Each_command_names_its_page_and_the_page_exists()
    {
        string root = Path.GetDirectoryName(Path.GetDirectoryName(RepositoryFile.Find(Path.Combine("docs", "README.md"))))!;
        var names = typeof(Cli).Assembly.GetTypes()
            .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => ((ICliCommand)Activator.CreateInstance(t)!).Build().Name)
            .Order(StringComparer.Ordinal).ToList();
        Assert.Contains("live", names);
        foreach (var name in names)
        {
            string page = Cli.DocPageOf(name);
            Assert.True(File.Exists(Path.Combine(root, page)), $"{name}: {page} does not exist");
            // Only the demo, which runs everything, points at the index.
            Assert.True(name == "demo" || page != "docs/README.md", $"{name} has no page of its own");
        }
    }
}
