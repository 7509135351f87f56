using Sig.Engine.Hashing;
using Sig.Engine.Events;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Replay.Tests.Store;

public class TickStoreTests
{
    internal static readonly DateOnly Day = new(2024, 1, 2);
    internal static readonly SymbolCode A = SymbolCode.Parse("000001.SZ");
    internal static readonly SymbolCode B = SymbolCode.Parse("000002.SZ");
    internal static readonly SymbolCode C = SymbolCode.Parse("600000.SH");
    internal static readonly SymbolCode D = SymbolCode.Parse("600004.SH");

    internal static DailyReference Reference(SymbolCode s, DateOnly? date = null) => new()
    {
        Date = date ?? Day, Symbol = s, PreClose = 100_000, AdjFactor = 1.2345678901234567, Industry = "801010",
        TotalShares = 1_000_000, FloatShares = 800_000, IsSt = s == C, LimitUp = 110_000, LimitDown = 90_000,
        Weights = [0.001234, 0], ListDate = s == A ? new DateOnly(1991, 4, 3) : null, FreeFloatShares = s == A ? 700_000 : null,
        BookEquity = s == A ? 1.5e9 : double.NaN,
    };

    /// <summary>n events of one symbol: orders and trades alternating, seq with a gap every 7th.</summary>
    internal static TickEvent[] Events(SymbolCode s, int n)
    {
        var e = new TickEvent[n];
        long seq = 100;
        for (int i = 0; i < n; i++)
        {
            seq += i % 7 == 6 ? 3 : 1;
            int time = 93000000 + i * 10;
            e[i] = i % 2 == 0
                ? TickEvent.Order(s, time, seq, 1000 + i, i % 4 == 0 ? 'B' : 'S', 100_100 + i, 100 * (i + 1), 'L')
                : TickEvent.Trade(s, time, seq, 100_100 + i, 100 * i, 1000 + i - 1, 0, 'B', 'F');
        }
        return e;
    }

    /// <summary>A day with A (events), B (reference only, suspended), C (events, no reference) and D (both), in small blocks.</summary>
    internal static string WriteSampleDay(string dir, int blockRows = 16)
    {
        using var writer = new TickStoreWriter(dir, blockRows);
        using var day = writer.BeginDay(Day, ReferenceSchema.Default, [Reference(A), Reference(B), Reference(D)]);
        day.WriteSymbol(A, Events(A, 40), skippedAfterHours: 3);
        day.WriteSymbol(C, Events(C, 5));
        day.WriteSymbol(D, Events(D, 21));
        day.Commit();
        return Path.Combine(dir, "2024-01-02.tick");
    }

    [Fact]
    public void Written_day_reads_back_event_for_event()
    {
        using var dir = new TempDir();
        WriteSampleDay(dir.Path);
        var store = TickStore.Open(dir.Path);
        Assert.Equal([Day], store.Dates);
        using var day = store.OpenDay(Day);
        Assert.Equal(Day, day.Date);
        Assert.Equal([A, B, C, D], Enumerable.Range(0, day.SymbolCount).Select(day.Symbol));
        Assert.Equal([40, 0, 5, 21], Enumerable.Range(0, day.SymbolCount).Select(day.EventCount));
        Assert.Equal(66, day.TotalEvents);
        var buffer = new TickEvent[64];
        foreach (var (i, s, n) in new[] { (0, A, 40), (2, C, 5), (3, D, 21) })
        {
            day.ReadEvents(i, buffer);
            Assert.Equal(Events(s, n), buffer.AsSpan(0, n).ToArray());
            var cols = day.Columns(i);
            Assert.Equal(Events(s, n).Select(e => e.Volume), cols.Volume.ToArray());
        }
        Assert.Equal(0, day.Columns(1).Count);
        Assert.Equal(new SymbolDayStats(20, 20, 5, 3), day.Stats(0));
        Assert.Equal(SeqGaps.Count(Events(D, 21)), day.Stats(3).SeqGaps);
        Assert.True(day.IndexOf(SymbolCode.Parse("000001.SH")) < 0);
        Assert.Equal(3, day.IndexOf(D));
    }

    [Fact]
    public void References_and_schema_round_trip_exactly()
    {
        using var dir = new TempDir();
        WriteSampleDay(dir.Path);
        using var day = TickStore.Open(dir.Path).OpenDay(Day);
        Assert.Equal(ReferenceSchema.Default.Header, day.Schema.Header);
        Assert.Equal(3, day.References.Count);
        var expected = new[] { Reference(A), Reference(B), Reference(D) };
        for (int i = 0; i < 3; i++)
        {
            var (e, a) = (expected[i], day.References[i]);
            Assert.Equal(e with { Weights = a.Weights }, a);
            Assert.Equal(e.Weights, a.Weights);
        }
        Assert.True(double.IsNaN(day.References[1].BookEquity));
    }

    [Fact]
    public void A_symbol_larger_than_a_block_gets_its_own_block()
    {
        using var dir = new TempDir();
        using (var writer = new TickStoreWriter(dir.Path, blockRows: 8))
        using (var w = writer.BeginDay(Day, ReferenceSchema.Default, []))
        {
            w.WriteSymbol(A, Events(A, 3));
            w.WriteSymbol(B, Events(B, 50));
            w.WriteSymbol(C, Events(C, 4));
            w.Commit();
        }
        using var day = TickStore.Open(dir.Path).OpenDay(Day);
        day.VerifyAll();
        var buffer = new TickEvent[50];
        day.ReadEvents(1, buffer);
        Assert.Equal(Events(B, 50), buffer);
        day.ReadEvents(2, buffer);
        Assert.Equal(Events(C, 4), buffer.AsSpan(0, 4).ToArray());
    }

    [Fact]
    public void An_empty_day_is_valid()
    {
        using var dir = new TempDir();
        using (var writer = new TickStoreWriter(dir.Path))
        using (var w = writer.BeginDay(Day, new ReferenceSchema([], []), [])) w.Commit();
        using var day = TickStore.Open(dir.Path).OpenDay(Day);
        Assert.Equal(0, day.SymbolCount);
        Assert.Equal(0, day.TotalEvents);
        Assert.Empty(day.Schema.WeightColumns);
    }

    [Fact]
    public void Writer_refuses_out_of_order_input()
    {
        using var dir = new TempDir();
        using var writer = new TickStoreWriter(dir.Path);
        using var w = writer.BeginDay(Day, ReferenceSchema.Default, []);
        w.WriteSymbol(B, Events(B, 2));
        Assert.Throws<ArgumentException>(() => w.WriteSymbol(A, Events(A, 2)));
        var reversed = Events(C, 3).Reverse().ToArray();
        Assert.Throws<ArgumentException>(() => w.WriteSymbol(C, reversed));
        Assert.Throws<ArgumentException>(() => w.WriteSymbol(D, Events(C, 1)));
    }

    [Fact]
    public void Buffer_too_small_is_an_argument_error()
    {
        using var dir = new TempDir();
        WriteSampleDay(dir.Path);
        using var day = TickStore.Open(dir.Path).OpenDay(Day);
        Assert.Throws<ArgumentException>(() => day.ReadEvents(0, new TickEvent[39]));
    }

    [Fact]
    public void Crc32c_matches_the_standard_check_value_and_the_software_path()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        var data = new byte[1000];
        new Random(7).NextBytes(data);
        for (int n = 0; n < 40; n++) Assert.Equal(~Crc32C.UpdateSoftware(~0u, data.AsSpan(n, 900 + n)), Crc32C.Compute(data.AsSpan(n, 900 + n)));
        Assert.Equal(Crc32C.Compute(data), Crc32C.Append(Crc32C.Compute(data.AsSpan(0, 333)), data.AsSpan(333)));
    }
}
