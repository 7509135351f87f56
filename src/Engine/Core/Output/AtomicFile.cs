namespace Sig.Engine.Output;

/// <summary>
/// An output file written under a temporary name beside its final path and renamed over it
/// only when the whole write succeeded: a command that fails or is refused half-way leaves
/// the previous file (or none), never a partial one. rename(2) within a directory is atomic.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private bool _done;

    /// <summary>Prepares a write of <paramref name="path"/>; nothing is created yet.</summary>
    public AtomicFile(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        string directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        // Random, not derived from content: the name never reaches an output.
        TempPath = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.tmp-{Guid.NewGuid():N}");
    }

    /// <summary>The final path.</summary>
    public string Path { get; }

    /// <summary>Where to write until <see cref="Commit"/>.</summary>
    public string TempPath { get; }

    /// <summary>Renames the temporary file over <see cref="Path"/>.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        File.Move(TempPath, Path, overwrite: true);
        _done = true;
    }

    /// <summary>Without <see cref="Commit"/>, deletes the temporary file: the final path is untouched.</summary>
    public void Dispose()
    {
        if (_done) return;
        _done = true;
        File.Delete(TempPath);
    }

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/> (given the temporary path), committing only if it returns.</summary>
    public static void Write(string path, Action<string> write)
    {
        using var file = new AtomicFile(path);
        write(file.TempPath);
        file.Commit();
    }

    /// <summary><see cref="File.WriteAllText(string, string?)"/>, atomically.</summary>
    public static void WriteAllText(string path, string text) => Write(path, temp => File.WriteAllText(temp, text));
}
