namespace Sig.Replay.Store;

/// <summary>
/// A directory of tick day files (<c>YYYY-MM-DD.tick</c>). Only committed days are listed:
/// temp files of a writer that is running or was killed (<c>.tmp-*</c>) are never days.
/// </summary>
public sealed class TickStore
{
    private readonly string _directory;
    private readonly DateOnly[] _dates;
    private readonly StoreReads _reads;

    private TickStore(string directory, DateOnly[] dates, StoreReads reads)
    {
        _directory = directory;
        _dates = dates;
        _reads = reads;
    }

    public string Directory => _directory;

    /// <summary>Committed dates, ascending.</summary>
    public IReadOnlyList<DateOnly> Dates => _dates;

    /// <summary>How its days read several symbols' events at once, as asked for (<see cref="StoreReads"/>).</summary>
    public StoreReads Reads => _reads;

    /// <summary>The way those reads go on this machine, in words (bench and profile output).</summary>
    public string ReadPath => StoreReadPaths.Describe(_reads, StoreReadPaths.Resolve(_reads));

    /// <summary>
    /// Lists the days of a store directory (the files are opened by <see cref="OpenDay"/>), whose batched
    /// reads go the way <paramref name="reads"/> says.
    /// </summary>
    /// <exception cref="NotSupportedException"><see cref="StoreReads.Uring"/> where this machine has no io_uring.</exception>
    public static TickStore Open(string directory, StoreReads reads = StoreReads.Auto)
    {
        if (reads == StoreReads.Uring) StoreReadPaths.Resolve(reads);
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no such store directory");
        var dates = new List<DateOnly>();
        foreach (var path in System.IO.Directory.EnumerateFiles(directory))
            if (TickFileFormat.TryParseFileName(Path.GetFileName(path), out var date)) dates.Add(date);
        dates.Sort();
        return new TickStore(directory, [.. dates], reads);
    }

    /// <summary>Maps and verifies one day; <see cref="InvalidDataException"/> when the file is corrupt or holds another day.</summary>
    public TickDay OpenDay(DateOnly date)
    {
        if (Array.BinarySearch(_dates, date) < 0) throw new ArgumentException($"{_directory}: the store has no day {date:yyyy-MM-dd}");
        return TickDay.Open(PathOf(date), date, _reads);
    }

    /// <summary>The file of a day.</summary>
    public string PathOf(DateOnly date) => Path.Combine(_directory, TickFileFormat.FileName(date));

    /// <summary>Leftover temp files (a writer running now, or one that was killed before committing).</summary>
    public IReadOnlyList<string> TempFiles() =>
        [.. System.IO.Directory.EnumerateFiles(_directory, TickFileFormat.TempPrefix + "*").Order(StringComparer.Ordinal)];
}
