namespace Sig.Factors.Intraday;

// Prefetch hints for the evaluation loop (see Sig.Factors.Cpu.EvaluationPrefetch).
public sealed partial class BigOrderBook
{
    /// <summary>Hints the start of the kept scan that <see cref="SumBig"/> reads (reads this object's fields, which the caller hinted earlier).</summary>
    internal void PrefetchQuery()
    {
        if (_scannedCount == 0) return;
        Prefetch.Element(_scanned, 0);
        Prefetch.Element(_scanned, _scannedCount - 1);
    }
}
