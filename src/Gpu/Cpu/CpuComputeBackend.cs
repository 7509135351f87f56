using Sig.Engine.Factors;
using Sig.Engine.Intraday;

namespace Sig.Gpu.Cpu;

/// <summary>
/// The reference backend: evaluates <see cref="IntradayFactorEvaluator"/> per symbol, spread
/// over worker threads in fixed contiguous chunks. Every symbol writes only its own output row,
/// so the bytes are the same for any degree of parallelism.
/// </summary>
public sealed class CpuComputeBackend : IComputeBackend
{
    private readonly int _parallelism;
    private readonly ThreadLocal<IntradayFactorEvaluator> _evaluators = new(() => new IntradayFactorEvaluator());

    public CpuComputeBackend(int parallelism = 1) => _parallelism = Math.Max(1, parallelism);

    public string Name => "cpu";

    public void Compute(IReadOnlyList<SymbolDayState> states, int asOfMinute, FactorSettings settings, double[] output)
    {
        int n = states.Count;
        if (output.Length < n * FactorCatalog.Count) throw new ArgumentException("output too small", nameof(output));
        if (_parallelism == 1 || n < 64)
        {
            var ev = _evaluators.Value!;
            for (int i = 0; i < n; i++) ev.Evaluate(states[i], asOfMinute, settings, output.AsSpan(i * FactorCatalog.Count, FactorCatalog.Count));
            return;
        }
        int chunks = _parallelism * 4, per = (n + chunks - 1) / chunks;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, c =>
        {
            var ev = _evaluators.Value!;
            int end = Math.Min(n, (c + 1) * per);
            for (int i = c * per; i < end; i++)
                ev.Evaluate(states[i], asOfMinute, settings, output.AsSpan(i * FactorCatalog.Count, FactorCatalog.Count));
        });
    }

    public void Dispose() => _evaluators.Dispose();
}
