using Sig.Engine.Events;
using Sig.Factors;

namespace Sig.Factors.Output;

/// <summary>
/// The cross-section of the 27 factors as of one closed minute: symbols ascending, values
/// row-major (symbol i, factor f at i * 27 + f). Minute 240 is the day's daily values.
/// </summary>
public sealed class FactorSnapshot(DateOnly date, int minute, SymbolCode[] symbols, double[] values, long[] lastSeq)
{
    public DateOnly Date { get; } = date;
    public int Minute { get; } = minute;
    public SymbolCode[] Symbols { get; } = symbols;
    public double[] Values { get; } = values;
    /// <summary>Per symbol, the exchange seq of its last applied event (0 if none): the intraday payload's "seq".</summary>
    public long[] LastSeq { get; } = lastSeq;

    public ReadOnlySpan<double> Row(int i) => Values.AsSpan(i * FactorCatalog.Count, FactorCatalog.Count);

    /// <summary>A snapshot with its own copy of the rows (a pipeline that reuses its output buffers reuses a minute's rows once it is published).</summary>
    public FactorSnapshot Copy() => new(Date, Minute, Symbols, (double[])Values.Clone(), LastSeq);

    /// <summary>The snapshot restricted to <paramref name="wanted"/> (symbols not in it are left out; order stays ascending).</summary>
    public FactorSnapshot Select(IReadOnlySet<SymbolCode> wanted)
    {
        var keep = new List<int>();
        for (int i = 0; i < Symbols.Length; i++) if (wanted.Contains(Symbols[i])) keep.Add(i);
        var values = new double[keep.Count * FactorCatalog.Count];
        for (int k = 0; k < keep.Count; k++) Row(keep[k]).CopyTo(values.AsSpan(k * FactorCatalog.Count));
        return new FactorSnapshot(Date, Minute, [.. keep.Select(i => Symbols[i])], values, [.. keep.Select(i => LastSeq[i])]);
    }
}
