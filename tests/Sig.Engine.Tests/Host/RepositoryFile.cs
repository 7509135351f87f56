namespace Sig.Engine.Tests.Host;

/// <summary>Files of the repository, found from the test binaries (they sit below it, in artifacts/).</summary>
internal static class RepositoryFile
{
    /// <summary>The full path of <paramref name="relativePath"/> in the nearest directory above the test binaries that has it.</summary>
    public static string Find(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relativePath);
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException($"{relativePath} not found above the test binaries");
    }
}
