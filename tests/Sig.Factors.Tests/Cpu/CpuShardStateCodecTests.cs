using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Persistence;
using Sig.Factors;
using Sig.Engine.Time;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;
using Xunit;
using static Sig.Factors.Tests.Cpu.FactorTestKit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>
/// The CPU shard state written to bytes and read back continues exactly as the original: same
/// rows at every later minute, bit for bit (a field the codec forgot changes some row), and the
/// bytes of the copy equal the bytes it was read from.
/// </summary>
public class CpuShardStateCodecTests
{
    private const int W = FactorCatalog.Count;

    private static (SymbolCode[] Symbols, List<TickEvent>[] Days) Market(int seed)
    {
        var symbols = new[] { SymbolCode.FromParts(1, "SZ"), SymbolCode.FromParts(2, "SZ"), SymbolCode.FromParts(3, "SZ"), SymbolCode.FromParts(600000, "SH") };
        var days = new List<TickEvent>[4];
        days[0] = RandomDay.Make(seed, 900);
        days[1] = RandomDay.Make(seed + 1, 500, sparse: true);
        // Ids thousands apart: the order index leaves its dense window for the hashed map.
        days[2] = RandomDay.Make(seed + 2, 700, orderPool: 400).Select(e => { e.BuyOrderId *= 100_003; e.SellOrderId *= 100_003; return e; }).ToList();
        days[3] = RandomDay.Make(seed + 3, 60).Where(e => e.Kind == TickKind.Order).ToList(); // never a fill
        for (int i = 0; i < days.Length; i++) days[i] = days[i].Select(e => { e.Symbol = symbols[i].Value; return e; }).ToList();
        return (symbols, days);
    }

    private static void Feed(IShardFactorState state, List<TickEvent>[] days, int bar)
    {
        for (int i = 0; i < days.Length; i++)
        {
            var batch = days[i].Where(e => SessionBars.BarOf(e.Time) == bar).ToArray();
            state.Apply(batch, Enumerable.Repeat(i, batch.Length).ToArray());
        }
    }

    private static byte[] Bytes(IPersistentShardState state)
    {
        var writer = new SnapshotWriter();
        state.Write(writer);
        return writer.Written.ToArray();
    }

    [Theory]
    [InlineData(BigOrderSizing.Filled, 1)]
    [InlineData(BigOrderSizing.Filled, 37)]
    [InlineData(BigOrderSizing.Filled, 120)]
    [InlineData(BigOrderSizing.Filled, 213)]
    [InlineData(BigOrderSizing.Submitted, 45)]
    [InlineData(BigOrderSizing.Submitted, 180)]
    public void A_state_read_back_continues_with_the_same_rows_every_minute(BigOrderSizing sizing, int cutBar)
    {
        var (symbols, days) = Market(71 + cutBar);
        using var backend = new CpuComputeBackend(1);
        var original = (IPersistentShardState)backend.CreateShard(Default, sizing);
        original.BeginDay(symbols);
        var rows = Enumerable.Repeat(double.NaN, symbols.Length * W).ToArray();
        var changed = new int[symbols.Length];
        for (int m = 1; m <= cutBar; m++)
        {
            Feed(original, days, m);
            original.Evaluate(m, rows, changed);
        }
        byte[] bytes = Bytes(original);
        var restored = (IPersistentShardState)backend.CreateShard(Default, sizing);
        restored.Read(new SnapshotReader(bytes));
        Assert.Equal(bytes, Bytes(restored));

        var restoredRows = Enumerable.Repeat(double.NaN, symbols.Length * W).ToArray();
        for (int m = cutBar + 1; m <= 240; m++)
        {
            Feed(original, days, m);
            Feed(restored, days, m);
            original.Evaluate(m, rows, changed);
            restored.Evaluate(m, restoredRows, changed);
            Assert.True(rows.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(restoredRows.Select(BitConverter.DoubleToInt64Bits)), $"rows differ at minute {m}");
        }
        for (int i = 0; i < symbols.Length; i++)
        {
            Assert.Equal(original.LastSeq(i), restored.LastSeq(i));
            Assert.Equal(original.DailyBar(i), restored.DailyBar(i));
        }
        Assert.Equal(Bytes(original), Bytes(restored));
    }

    [Fact]
    public void Bytes_of_another_sizing_or_cut_short_are_refused()
    {
        var (symbols, days) = Market(5);
        using var backend = new CpuComputeBackend(1);
        var state = (IPersistentShardState)backend.CreateShard(Default, BigOrderSizing.Filled);
        state.BeginDay(symbols);
        for (int m = 1; m <= 60; m++) Feed(state, days, m);
        byte[] bytes = Bytes(state);
        var other = (IPersistentShardState)backend.CreateShard(Default, BigOrderSizing.Submitted);
        Assert.Throws<InvalidDataException>(() => other.Read(new SnapshotReader(bytes)));
        var fresh = (IPersistentShardState)backend.CreateShard(Default, BigOrderSizing.Filled);
        Assert.ThrowsAny<Exception>(() => fresh.Read(new SnapshotReader(bytes[..(bytes.Length / 2)])));
    }
}
