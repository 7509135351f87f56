using Sig.Engine.Events;
using Sig.Engine.Text;

namespace Sig.Replay.Csv;

/// <summary>One rejected row: where it is, why, and its text (the canonical form for rows rejected after sorting).</summary>
public sealed record RejectSample(string File, long Line, RejectReason Reason, string Detail, string Text);

/// <summary>A symbol-day's seq-gap count, for the "most gaps" report.</summary>
public readonly record struct SymbolDayGaps(DateOnly Date, SymbolCode Symbol, int Gaps);

/// <summary>What happened to one input file.</summary>
public sealed class FileImportReport
{
    private readonly long[] _counts = new long[Enum.GetValues<RejectReason>().Length];
    private readonly List<RejectSample> _samples = [];
    private readonly int _maxSamples;

    internal FileImportReport(string path, int maxSamples)
    {
        Path = path;
        _maxSamples = maxSamples;
    }

    public string Path { get; }
    /// <summary>Data rows read (the header not counted).</summary>
    public long Rows { get; internal set; }
    public long SkippedAfterHours { get; internal set; }
    public long Rejected { get; private set; }
    public long Accepted => Rows - Rejected - SkippedAfterHours;
    /// <summary>Set when the file could not be read at all (bad header, empty file); then no row of it was imported.</summary>
    public string? FatalError { get; internal set; }

    /// <summary>Rejects of one reason.</summary>
    public long Count(RejectReason reason) => _counts[(int)reason];

    /// <summary>Reasons with at least one reject, in enum order.</summary>
    public IEnumerable<(RejectReason Reason, long Count)> Counts() =>
        Enum.GetValues<RejectReason>().Where(r => _counts[(int)r] > 0).Select(r => (r, _counts[(int)r]));

    /// <summary>The rejects with the lowest line numbers (at most 20 by default), ascending.</summary>
    public IReadOnlyList<RejectSample> Samples => _samples;

    /// <summary>Turns <paramref name="count"/> skipped after-hours prints into rejects (their symbol-day was refused).</summary>
    internal void Reclassify(long count, long firstLine, RejectReason reason, string detail, ReadOnlySpan<char> firstText)
    {
        SkippedAfterHours -= count;
        Reject(firstLine, reason, detail, firstText);
        _counts[(int)reason] += count - 1;
        Rejected += count - 1;
    }

    internal void Reject(long line, RejectReason reason, string detail, ReadOnlySpan<char> text)
    {
        _counts[(int)reason]++;
        Rejected++;
        // Rejects found after sorting arrive out of line order: keep the lowest line numbers.
        if (_samples.Count == _maxSamples && line >= _samples[^1].Line) return;
        string shown = Sig.Engine.Text.TextPreview.Escape(text, 200);
        var sample = new RejectSample(System.IO.Path.GetFileName(Path), line, reason, detail, shown);
        int at = _samples.FindLastIndex(s => s.Line <= line) + 1;
        _samples.Insert(at, sample);
        if (_samples.Count > _maxSamples) _samples.RemoveAt(_samples.Count - 1);
    }
}

/// <summary>The outcome of a CSV import.</summary>
public sealed class ImportResult
{
    internal ImportResult(FileImportReport trades, FileImportReport orders, FileImportReport reference)
    {
        Trades = trades; Orders = orders; Reference = reference;
    }

    public FileImportReport Trades { get; }
    public FileImportReport Orders { get; }
    public FileImportReport Reference { get; }
    /// <summary>The exchange-layout files (<see cref="ImportOptions.Exchange"/>), in the order given.</summary>
    public IReadOnlyList<FileImportReport> ExchangeFiles { get; internal set; } = [];
    /// <summary>Every file read (canonical trades/orders only when given).</summary>
    public IEnumerable<FileImportReport> Files => [.. new[] { Trades, Orders }.Where(f => f.Path.Length > 0), Reference, .. ExchangeFiles];

    /// <summary>True when the data was written: no fatal error, and no rejects or rejects were allowed.</summary>
    public bool Success { get; internal set; }
    /// <summary>Why nothing was written, when <see cref="Success"/> is false.</summary>
    public string? Error { get; internal set; }
    public long TotalRejects => Trades.Rejected + Orders.Rejected + Reference.Rejected + ExchangeFiles.Sum(f => f.Rejected);
    public long SkippedAfterHours => Trades.SkippedAfterHours + Orders.SkippedAfterHours + ExchangeFiles.Sum(f => f.SkippedAfterHours);
    /// <summary>Seq gaps over all symbol-days of the accepted rows.</summary>
    public long SeqGaps { get; internal set; }
    public int SymbolDaysWithGaps { get; internal set; }
    public int SymbolDays { get; internal set; }
    /// <summary>Symbol-days with the most gaps, most first (ties by date, symbol).</summary>
    public IReadOnlyList<SymbolDayGaps> TopGaps { get; internal set; } = [];
    public IReadOnlyList<DateOnly> Dates { get; internal set; } = [];
    /// <summary>The days written, ascending, with what each holds and whether it replaced a stored day.</summary>
    public IReadOnlyList<ImportedDay> Days { get; internal set; } = [];
    public long EventsWritten { get; internal set; }
    public long ReferencesWritten { get; internal set; }
    /// <summary>Bytes of the three input files as stored (compressed size for gzip).</summary>
    public long InputBytes { get; internal set; }
}

/// <summary>One day an import wrote.</summary>
public readonly record struct ImportedDay(DateOnly Date, long Events, int References, bool Replaced);

/// <summary>Import settings.</summary>
public sealed record ImportOptions
{
    /// <summary>Import the good rows even when some rows are rejected.</summary>
    public bool AllowRejects { get; init; }
    /// <summary>
    /// Whether a day is already stored. A day the import would write that is stored makes the
    /// import fail before anything is written, unless <see cref="Replace"/>.
    /// </summary>
    public Func<DateOnly, bool>? IsStored { get; init; }
    /// <summary>Replace stored days the import writes (never needed for new days).</summary>
    public bool Replace { get; init; }
    /// <summary>Samples kept per file.</summary>
    public int MaxSamples { get; init; } = 20;
    /// <summary>Symbol-days listed in <see cref="ImportResult.TopGaps"/>.</summary>
    public int TopGaps { get; init; } = 10;
    /// <summary>SZSE/SSE vendor files merged into the same days as the canonical rows.</summary>
    public Exchange.ExchangeInput? Exchange { get; init; }
    /// <summary>Receives (phase, fraction done) now and then.</summary>
    public IProgress<(string Phase, double Fraction)>? Progress { get; init; }
}
