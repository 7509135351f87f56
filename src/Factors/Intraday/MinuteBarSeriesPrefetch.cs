namespace Sig.Factors.Intraday;

// Prefetch hints for the evaluation loop (see Sig.Factors.Cpu.EvaluationPrefetch).
public sealed partial class MinuteBarSeries
{
    /// <summary>Hints bar <paramref name="bar"/>'s row (reads this object's chunk directory, which the caller hinted earlier).</summary>
    internal void PrefetchBar(int bar) => Prefetch.At(in _bars[bar]);
}
