using System.Runtime.CompilerServices;
namespace Sig.Factors.Intraday;

// Prefetch hints for the evaluation loop (see Sig.Factors.Cpu.EvaluationPrefetch).
public sealed partial class MinuteBarFold
{
    /// <summary>
    /// Hints the array slots that folding through <paramref name="m"/> reads and writes first, with
    /// the arrays' lengths: bar FoldedThrough + 1's return, the half-hour volumes and the top-set
    /// bits (factor 13's heap roots are kept in this object; the heaps' sifts are left to the apply).
    /// Reads only this object's fields (which the caller hinted earlier).
    /// </summary>
    // AggressiveOptimization here and below: the evaluation's hot methods are compiled optimized
    // at first call (the day start's warm-up, CpuShardState.WarmUpEvaluation), not run as tier-0
    // code through the first minutes. Tier-1 would add nothing (the host runs without TieredPGO).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void PrefetchSlots(int m)
    {
        int b = FoldedThrough + 1;
        if (b > m) return;
        Prefetch.Element(_ret, b);
        Prefetch.Length(_ret);
        Prefetch.Element(HalfHourVolume, (b - 1) / Half);
        Prefetch.Length(HalfHourVolume);
        Prefetch.Element(_topBars, b >> 6);
        Prefetch.Length(_topBars);
    }
}
