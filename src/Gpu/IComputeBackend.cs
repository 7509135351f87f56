using Sig.Engine.Config;
using Sig.Engine.Intraday;

namespace Sig.Gpu;

/// <summary>Big-order parameters the factor evaluation needs, in the units of the state.</summary>
public readonly record struct FactorSettings(double StdMultiple, long MinAmountTicks)
{
    public static FactorSettings From(BigOrderOptions o) =>
        new(o.StdMultiple, (long)Math.Ceiling(o.MinAmount * 10000.0));
}

/// <summary>
/// The cross-sectional step: the 27 factors of every symbol as of a closed minute, computed
/// from the per-symbol intraday states. Backends differ in where they run (SIMD CPU, GPU), never
/// in what they compute; each symbol's values depend only on that symbol's state, so results do
/// not depend on thread count or batch composition.
/// </summary>
public interface IComputeBackend : IDisposable
{
    /// <summary>Name recorded in run manifests ("cpu", …).</summary>
    string Name { get; }

    /// <summary>
    /// Writes factor f of states[i] as of minute <paramref name="asOfMinute"/> to output[i * 27 + f].
    /// No state may hold an event of a bar after <paramref name="asOfMinute"/>.
    /// </summary>
    void Compute(IReadOnlyList<SymbolDayState> states, int asOfMinute, FactorSettings settings, double[] output);
}
