using BenchmarkDotNet.Attributes;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Persistence;
using Sig.Factors;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;

namespace Sig.Benchmarks;

/// <summary>
/// The persisted shard snapshot's state codec: one shard of 50 symbols × 20,000 events (the
/// live benchmark's shard at 100 symbols, two shards) encoded into a reused
/// <see cref="SnapshotWriter"/> and decoded into a reused state. The encoded size is printed at
/// setup; MB/s = size / mean time. Timed in CPU time of the benchmark thread
/// (<see cref="ThreadCpuTimeConfig"/>): run it without <c>--inProcess</c>, the config is in-process already.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThreadCpuTimeConfig))]
public class SnapshotCodecBenchmarks
{
    private const int Symbols = 50, DayEvents = 20_000;
    private readonly CpuComputeBackend _backend = new(1);
    private readonly SnapshotWriter _writer = new();
    private IPersistentShardState _state = null!;
    private IPersistentShardState _restored = null!;
    private byte[] _bytes = [];

    [GlobalSetup]
    public void Setup()
    {
        var settings = new FactorSettings(1.0, 0);
        _state = (IPersistentShardState)_backend.CreateShard(settings, BigOrderSizing.Filled);
        var symbols = Enumerable.Range(0, Symbols).Select(i => SymbolCode.FromParts(1 + i, "SZ")).ToArray();
        _state.BeginDay(symbols);
        for (int i = 0; i < Symbols; i++)
        {
            var day = SyntheticDay.Make(1 + i, DayEvents, orders: 4000);
            for (int k = 0; k < day.Length; k++) day[k].Symbol = symbols[i].Value;
            _state.Apply(day, Enumerable.Repeat(i, day.Length).ToArray());
        }
        _state.Write(_writer);
        _bytes = _writer.Written.ToArray();
        _restored = (IPersistentShardState)_backend.CreateShard(settings, BigOrderSizing.Filled);
        Console.WriteLine($"// shard state of {Symbols} symbols × {DayEvents} events: {_bytes.Length:N0} bytes");
    }

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    /// <summary>The whole shard state into the reused writer.</summary>
    [Benchmark]
    public int Encode()
    {
        _writer.Reset();
        _state.Write(_writer);
        return _writer.Length;
    }

    /// <summary>The whole shard state read back (rows, index, derived bucket sums rebuilt).</summary>
    [Benchmark]
    public int Decode()
    {
        _restored.Read(new SnapshotReader(_bytes));
        return _restored.SymbolCount;
    }
}
