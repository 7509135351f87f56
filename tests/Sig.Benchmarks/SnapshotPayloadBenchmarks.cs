using BenchmarkDotNet.Attributes;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Factors.Output;

namespace Sig.Benchmarks;

/// <summary>
/// One minute's `factors.snapshot` payload of a 5000-symbol cross-section (135,000 numbers,
/// factor-like magnitudes, 10% NaN) written by a long-lived <see cref="SnapshotPayloadWriter"/>:
/// every cell changed since the previous minute (every number formatted), half of them changed,
/// and none (a quiet market: every number copied from the previous minute's text).
/// </summary>
[MemoryDiagnoser]
public class SnapshotPayloadBenchmarks
{
    private const int Symbols = 5000;
    private readonly SnapshotPayloadWriter _writer = new();
    private FactorSnapshot _a = null!, _b = null!, _half = null!;
    private bool _flip;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(5);
        var codes = Enumerable.Range(0, Symbols).Select(i => SymbolCode.FromParts(i + 1, "SZ")).ToArray();
        var a = new double[Symbols * FactorCatalog.Count];
        for (int k = 0; k < a.Length; k++) a[k] = rng.Next(10) == 0 ? double.NaN : (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-4, 2));
        var b = a.Select(v => v * 1.0000001).ToArray();
        var half = a.Select((v, k) => k % 2 == 0 ? v : v * 1.0000001).ToArray();
        _a = new FactorSnapshot(new DateOnly(2024, 1, 2), 100, codes, a, new long[Symbols]);
        _b = new FactorSnapshot(new DateOnly(2024, 1, 2), 101, codes, b, new long[Symbols]);
        _half = new FactorSnapshot(new DateOnly(2024, 1, 2), 101, codes, half, new long[Symbols]);
    }

    /// <summary>Every number differs from the previous minute's (alternating two cross-sections).</summary>
    [Benchmark]
    public int AllChanged() => _writer.Write((_flip = !_flip) ? _a : _b).Length;

    /// <summary>Half the numbers differ from the previous minute's.</summary>
    [Benchmark]
    public int HalfChanged() => _writer.Write((_flip = !_flip) ? _a : _half).Length;

    /// <summary>No number changed: every cell's text is copied.</summary>
    [Benchmark]
    public int NoneChanged() => _writer.Write(_a).Length;

    /// <summary>No number changed, written into a pooled buffer that is released after (as the batcher and publisher do): no copy into an exact-size array.</summary>
    [Benchmark]
    public int NoneChangedPooled()
    {
        var payload = _writer.Write(_a, false, _pool);
        int length = payload.Length;
        payload.Release();
        return length;
    }

    private readonly MinuteBufferPool<byte> _pool = new();
}

/// <summary>
/// The 5000 per-symbol `factors.intraday.*` payloads of one minute as the live publisher makes
/// them: every number formatted from the rows, or every number's text copied from the minute's
/// snapshot payload (<see cref="SnapshotPayloadRows"/>).
/// </summary>
[MemoryDiagnoser]
public class IntradayPayloadBenchmarks
{
    private const int Symbols = 5000;
    private FactorSnapshot _snapshot = null!;
    private byte[] _payload = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(7);
        var codes = Enumerable.Range(0, Symbols).Select(i => SymbolCode.FromParts(i + 1, "SZ")).ToArray();
        var values = new double[Symbols * FactorCatalog.Count];
        for (int k = 0; k < values.Length; k++) values[k] = rng.Next(10) == 0 ? double.NaN : (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-4, 2));
        _snapshot = new FactorSnapshot(new DateOnly(2024, 1, 2), 100, codes, values, new long[Symbols]);
        _payload = FactorPayloads.Snapshot(_snapshot);
    }

    /// <summary>Each symbol's 27 numbers formatted again.</summary>
    [Benchmark(Baseline = true)]
    public long Formatted()
    {
        long bytes = 0;
        for (int i = 0; i < Symbols; i++) bytes += FactorPayloads.Intraday(_snapshot, i).Length;
        return bytes;
    }

    /// <summary>Each symbol's numbers copied from its row of the snapshot payload.</summary>
    [Benchmark]
    public long FromSnapshotRows()
    {
        long bytes = 0;
        var rows = new SnapshotPayloadRows(_payload);
        for (int i = 0; i < Symbols; i++) bytes += FactorPayloads.Intraday(_snapshot, i, rows.Next()).Length;
        return bytes;
    }
}
