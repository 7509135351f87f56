using BenchmarkDotNet.Attributes;
using Sig.Factors.Intraday;

namespace Sig.Benchmarks;

/// <summary>
/// The order-id index on one symbol-day's fill lookups (buy then sell parent of each fill, as
/// <c>BigOrderBook.AddFill</c> asks): SZSE-like ids (the order's seq, with gaps) where the
/// aggressor is a new order and the passive side a resting one. Timed by thread CPU
/// (<see cref="ThreadCpuTimeConfig"/>).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThreadCpuTimeConfig))]
public class OrderIndexBenchmarks
{
    // Lookups of a day with ~20,000 events (~7,500 fills).
    private const int DayLookups = 15_000;
    private (long Id, bool Sell)[] _lookups = [];
    private readonly OrderIndex _full = new();
    private readonly OrderIndex _day = new();

    [GlobalSetup]
    public void Setup()
    {
        _lookups = Lookups(seed: 7, DayLookups);
        foreach (var (id, sell) in _lookups) _full.GetOrAdd(id, sell, out _);
    }

    /// <summary>Every lookup of a day finding its order (the index already holds the day).</summary>
    [Benchmark(OperationsPerInvoke = DayLookups)]
    public long Hits()
    {
        long sum = 0;
        foreach (var (id, sell) in _lookups) sum += _full.GetOrAdd(id, sell, out _);
        return sum;
    }

    /// <summary>A day's lookups from an emptied index (first fills add, later ones hit), as a shard applies them.</summary>
    [Benchmark(OperationsPerInvoke = DayLookups)]
    public long Day()
    {
        _day.Clear();
        long sum = 0;
        foreach (var (id, sell) in _lookups) sum += _day.GetOrAdd(id, sell, out _);
        return sum;
    }

    // A tape: ids advance like seqs (one event in eight skips 1..16); 45 % of events are new orders,
    // half of them marketable (filling one to three resting orders of the other side at once), the
    // rest resting; other events (cancels, trades of other orders) only use up seqs.
    private static (long, bool)[] Lookups(int seed, int count)
    {
        var rng = new Random(seed);
        var resting = new[] { new List<long>(), new List<long>() };
        var lookups = new List<(long, bool)>();
        long seq = 1 + rng.Next(5000);
        while (lookups.Count < count)
        {
            seq += 1 + (rng.Next(8) == 0 ? rng.Next(1, 17) : 0);
            if (rng.Next(100) >= 45) continue;
            int side = rng.Next(2);
            var other = resting[1 - side];
            if (rng.Next(2) == 0 || other.Count == 0)
            {
                resting[side].Add(seq);
                continue;
            }
            for (int f = rng.Next(1, 4); f > 0 && other.Count > 0; f--)
            {
                int at = Math.Max(0, other.Count - 1 - rng.Next(Math.Min(other.Count, 200)));
                long passive = other[at];
                if (rng.Next(3) == 0) other.RemoveAt(at); // filled completely
                lookups.Add(side == 0 ? (seq, false) : (passive, false));
                lookups.Add(side == 0 ? (passive, true) : (seq, true));
            }
        }
        return [.. lookups.Take(count)];
    }
}
