using Sig.Engine.Events;
using Sig.Engine.Factors;

namespace Sig.Engine.Output;

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
}
