using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Factors;
using Sig.Engine.Intraday;
using Sig.Engine.Output;
using Sig.Gpu;

namespace Sig.Actors.Pipeline;

/// <summary>
/// The cross-section step shared by replay and live: given every symbol's state as of a closed
/// minute, computes the 27 factors with the compute backend and builds the minute's
/// <see cref="FactorSnapshot"/>. Replay and live both go through it, so equal per-symbol event
/// sequences give byte-identical snapshots.
/// </summary>
public sealed class MinuteCrossSection
{
    private readonly IComputeBackend _backend;
    private readonly FactorSettings _settings;

    public MinuteCrossSection(BigOrderOptions bigOrder, IComputeBackend backend)
    {
        _backend = backend;
        _settings = FactorSettings.From(bigOrder);
        Sizing = bigOrder.ClassifyBy;
    }

    /// <summary>How big orders are sized; symbol states must be created with it.</summary>
    public BigOrderSizing Sizing { get; }

    /// <summary>Milliseconds the compute backend took for each cross-section so far (benchmarks read it).</summary>
    public List<double> ComputeMillis { get; } = [];

    /// <summary>The snapshot as of <paramref name="minute"/>; <paramref name="states"/> are in <paramref name="symbols"/> order.</summary>
    public FactorSnapshot Compute(DateOnly date, int minute, SymbolCode[] symbols, IReadOnlyList<SymbolDayState> states)
    {
        int n = symbols.Length;
        var values = new double[n * FactorCatalog.Count];
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        _backend.Compute(states, minute, _settings, values);
        ComputeMillis.Add(System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        var lastSeq = new long[n];
        for (int i = 0; i < n; i++) lastSeq[i] = states[i].LastSeq;
        return new FactorSnapshot(date, minute, symbols, values, lastSeq);
    }
}
