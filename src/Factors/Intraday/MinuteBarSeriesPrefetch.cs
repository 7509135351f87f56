namespace Sig.Factors.Intraday;

// Prefetch hints for the evaluation loop (see Sig.Factors.Cpu.EvaluationPrefetch).
public sealed partial class MinuteBarSeries
{
    /// <summary>Hints bar <paramref name="bar"/>'s row and its chunk's length (reads this object's chunk directory, which the caller hinted earlier).</summary>
    internal void PrefetchBar(int bar) => _bars.PrefetchSlot(bar);
}
