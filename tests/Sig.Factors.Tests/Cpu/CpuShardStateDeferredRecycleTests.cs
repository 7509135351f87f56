using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Persistence;
using Sig.Engine.Time;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;
using Xunit;
using static Sig.Factors.Tests.Cpu.FactorTestKit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>
/// A copy decides which state objects of the dropped snapshot are recycled, and each one's spare
/// bar chunk is kept later: at the symbol's first clone, or at the next copy or day start for a
/// symbol not written by then. Against a state that keeps every chunk at the copy itself (the
/// reference), fed the same events and copied at the same minutes over two days: the same rows bit
/// for bit every minute, the same bytes in every copy, and the same recycled objects taken, with
/// the same number of them bringing a spare chunk.
/// </summary>
public class CpuShardStateDeferredRecycleTests
{
    private const int W = FactorCatalog.Count;

    private static byte[] Bytes(IShardFactorState state)
    {
        var writer = new SnapshotWriter();
        ((IPersistentShardState)state).Write(writer);
        return writer.Written.ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Chunks_kept_at_the_first_clone_equal_chunks_kept_at_the_copy(int seed)
    {
        var rng = new Random(seed);
        const int n = 24;
        var symbols = Enumerable.Range(0, n).Select(i => SymbolCode.FromParts(1 + i, "SH")).ToArray();
        using var backend = new CpuComputeBackend();
        var deferred = (CpuShardState)backend.CreateShard(Default, BigOrderSizing.Filled);
        var reference = (CpuShardState)backend.CreateShard(Default, BigOrderSizing.Filled);
        var rows = new double[n * W];
        var referenceRows = new double[n * W];
        var changed = new int[n];
        IShardFactorState? latest = null, spare = null, referenceLatest = null, referenceSpare = null;
        for (int day = 0; day < 2; day++)
        {
            // Symbols that trade every minute, and sparse ones left unwritten across copies (their
            // chunks are kept at the next copy or the next day's start).
            var days = Enumerable.Range(0, n).Select(i =>
                RandomDay.Make(seed * 100 + day * 50 + i, i % 3 == 0 ? 40 : 900, sparse: i % 3 == 0)
                    .Select(e => { e.Symbol = symbols[i].Value; return e; }).ToList()).ToArray();
            deferred.BeginDay(symbols);
            reference.BeginDay(symbols);
            Array.Fill(rows, double.NaN);
            Array.Fill(referenceRows, double.NaN);
            for (int m = 1; m <= SessionBars.BarsPerDay; m++)
            {
                FeedBar(deferred, days, m);
                FeedBar(reference, days, m);
                deferred.Evaluate(m, rows, changed);
                reference.Evaluate(m, referenceRows, changed);
                Assert.True(rows.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(referenceRows.Select(BitConverter.DoubleToInt64Bits)), $"day {day} minute {m}");
                if (rng.Next(5) != 0) continue;
                // As MinuteCrossSection.NextSnapshot: each copy into the one before the latest.
                var copy = deferred.Copy(spare);
                var referenceCopy = reference.Copy(referenceSpare);
                reference.FinishRecycling();
                Assert.True(Bytes(referenceCopy).AsSpan().SequenceEqual(Bytes(copy)), $"day {day} minute {m}: the copy's bytes");
                (spare, latest) = (latest, copy);
                (referenceSpare, referenceLatest) = (referenceLatest, referenceCopy);
            }
        }
        Assert.True(reference.ReusedStates > n && reference.ReusedSpareChunks > n, $"{reference.ReusedStates} recycled, {reference.ReusedSpareChunks} with a chunk");
        Assert.Equal(reference.ReusedStates, deferred.ReusedStates);
        Assert.Equal(reference.ReusedSpareChunks, deferred.ReusedSpareChunks);
    }
}
