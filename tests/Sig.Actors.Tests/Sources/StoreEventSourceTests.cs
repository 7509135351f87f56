using Sig.Actors.Sources;
using Sig.Actors.Tests.Pipeline;
using Sig.Engine.Events;
using Sig.Engine.Time;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Actors.Tests.Sources;

/// <summary>
/// The store source reads each symbol's next rows ahead from the mapped columns into its slot and
/// cuts the minutes from there into pooled arrays. These tests hold it to what a plain reader
/// (whole symbols copied out, then cut per minute) produces, input for input, on stores with day
/// boundaries, rows a clean feed would not have, short runs in few minutes, days cut after a
/// minute, and slots smaller and larger than the runs; and hold the pool to its ownership rules.
/// </summary>
public sealed class StoreEventSourceTests : IDisposable
{
    private static readonly DateOnly Day1 = new(2024, 3, 4), Day2 = new(2024, 3, 5);

    /// <summary>Events per batch in these tests: small enough that the test days' minutes and symbols are cut across batches.</summary>
    internal const int SmallBatch = 1500;
    private readonly string _dir = Directory.CreateTempSubdirectory("sig-store-source-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Mapped_column_batches_equal_the_previous_readers_inputs_across_days_and_bad_rows()
    {
        var days = new[] { MakeDay(Day1, seed: 1), MakeDay(Day2, seed: 2) };
        WriteStore(days);
        var store = TickStore.Open(_dir);
        var source = new StoreEventSource(store.Dates, store.OpenDay, batchEvents: SmallBatch);
        var got = Read(source);
        var want = PreviousReader(days);

        Assert.Equal(want.Count, got.Count);
        for (int i = 0; i < want.Count; i++)
        {
            Assert.Equal((want[i].Kind, want[i].Date, want[i].Time), (got[i].Input.Kind, got[i].Input.Date, got[i].Input.Time));
            Assert.Equal(want[i].Symbols, got[i].Input.Symbols);
            Assert.True(want[i].Events.SequenceEqual(got[i].Events), $"input {i} ({want[i].Kind} {want[i].Date:yyyy-MM-dd}) differs");
        }
        // The inputs cover every stored event once, and some batches were full (a symbol cut across two batches).
        Assert.Equal(days.Sum(d => d.Values.Sum(e => e.Length)), got.Sum(g => g.Events.Length));
        Assert.Contains(got, g => g.Events.Length == SmallBatch);
        Assert.True(source.Pool.Rented > 0);

        // Any IDayEvents gives the same inputs: an in-memory day, read through the same slots.
        var viaDefault = Read(new StoreEventSource([Day1, Day2], d => new InMemoryDay(d, days[d == Day1 ? 0 : 1]), batchEvents: SmallBatch));
        Assert.Equal(got.Count, viaDefault.Count);
        for (int i = 0; i < got.Count; i++)
            Assert.True(got[i].Events.SequenceEqual(viaDefault[i].Events) && got[i].Input.Time == viaDefault[i].Input.Time, $"input {i}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    [InlineData(1000)]
    public void Read_ahead_slots_of_any_size_give_the_previous_readers_inputs(int readAhead)
    {
        // Two stored days (bad rows, an empty symbol, a symbol over two batches) and a random third of many sparse symbols.
        var days = new[] { MakeDay(Day1, seed: 1), MakeDay(Day2, seed: 2), MakeSparseDay(Day1.AddDays(2), seed: readAhead) };
        WriteStore(days);
        var store = TickStore.Open(_dir);
        AssertSameInputs(PreviousReader(days), Read(new StoreEventSource(store.Dates, store.OpenDay, readAheadEvents: readAhead, batchEvents: SmallBatch)));
    }

    [Theory]
    [InlineData(StoreReads.Pread, 7)]
    [InlineData(StoreReads.Pread, StoreEventSource.ReadAheadEvents)]
    [InlineData(StoreReads.Auto, 1)]
    [InlineData(StoreReads.Auto, 7)]
    [InlineData(StoreReads.Auto, StoreEventSource.ReadAheadEvents)]
    public void Slots_refilled_in_groups_give_the_previous_readers_inputs_through_either_read_path(StoreReads reads, int readAhead)
    {
        // Auto is io_uring where this machine has it (the path each day took is checked below, so a fallback shows).
        var days = new[] { MakeDay(Day1, seed: 4), MakeSparseDay(Day2, seed: 8) };
        WriteStore(days);
        var store = TickStore.Open(_dir, reads);
        var opened = new List<TickDay>();
        var got = Read(new StoreEventSource(store.Dates, d => { var day = store.OpenDay(d); opened.Add(day); return day; }, readAheadEvents: readAhead, batchEvents: SmallBatch));
        AssertSameInputs(PreviousReader(days), got);
        string? why = StoreReadPaths.WhyUringUnavailable;
        string path = reads == StoreReads.Pread ? "pread" : why is null ? "io_uring" : $"pread (auto: {why})";
        Assert.Equal(2, opened.Count);
        Assert.All(opened, d => Assert.Equal(path, d.BatchReadPath));
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(45, 3)]
    [InlineData(200, 64)]
    public void A_day_cut_after_a_minute_leaves_nothing_staged_for_the_next_day(int lastMinute, int readAhead)
    {
        // Each day stops after lastMinute's clock with rows still staged; the next day starts from its own first rows.
        var days = new[] { MakeSparseDay(Day1, seed: 5), MakeSparseDay(Day2, seed: 6), MakeDay(Day1.AddDays(2), seed: 7) };
        WriteStore(days);
        var store = TickStore.Open(_dir);
        var got = Read(new StoreEventSource(store.Dates, store.OpenDay, lastMinute, readAhead, batchEvents: SmallBatch));
        AssertSameInputs(PreviousReader(days, lastMinute), got);
        Assert.Contains(got, g => g.Events.Length > 0);
    }

    [Fact]
    public void A_corrupt_column_block_stops_the_source_with_the_file_and_the_block_named()
    {
        WriteStore([MakeDay(Day1, seed: 1)]);
        string path = Path.Combine(_dir, "2024-03-04.tick");
        byte[] bytes = File.ReadAllBytes(path);
        bytes[256 + 8 * 700 + 3] ^= 0x40; // block 0's seq column at row 700, past the rows of the first slot
        File.WriteAllBytes(path, bytes);
        var store = TickStore.Open(_dir);
        var ex = Assert.Throws<InvalidDataException>(() => Read(new StoreEventSource(store.Dates, store.OpenDay)));
        Assert.Contains(path, ex.Message);
        Assert.Contains("column block 0", ex.Message);
        Assert.Contains("checksum mismatch", ex.Message);
    }

    [Fact]
    public void A_non_positive_read_ahead_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new StoreEventSource([Day1], _ => throw new InvalidOperationException(), readAheadEvents: 0));

    [Fact]
    public void A_non_positive_batch_size_is_refused_and_the_default_batches_are_the_sources_default()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StoreEventSource([Day1], _ => throw new InvalidOperationException(), batchEvents: 0));
        Assert.Equal(StoreEventSource.BatchEvents, new StoreEventSource([Day1], _ => throw new InvalidOperationException()).Pool.BatchEvents);
    }

    private static void AssertSameInputs(
        List<(MarketInputKind Kind, DateOnly Date, int Time, SymbolCode[] Symbols, TickEvent[] Events)> want, List<(MarketInput Input, TickEvent[] Events)> got)
    {
        Assert.Equal(want.Count, got.Count);
        for (int i = 0; i < want.Count; i++)
        {
            Assert.Equal((want[i].Kind, want[i].Date, want[i].Time), (got[i].Input.Kind, got[i].Input.Date, got[i].Input.Time));
            Assert.Equal(want[i].Symbols, got[i].Input.Symbols);
            Assert.True(want[i].Events.SequenceEqual(got[i].Events), $"input {i} ({want[i].Kind} {want[i].Date:yyyy-MM-dd}) differs");
        }
    }

    [Fact]
    public async Task A_source_reuses_released_batches_and_a_batch_is_returned_exactly_once()
    {
        var days = new[] { MakeDay(Day1, seed: 3) };
        WriteStore(days);
        var store = TickStore.Open(_dir);
        var source = new StoreEventSource(store.Dates, store.OpenDay);
        var copies = new List<TickEvent[]>();
        var held = new List<MarketInput>();
        int ticks = 0;
        await foreach (var input in source.ReadAsync(CancellationToken.None))
        {
            if (input.Kind != MarketInputKind.Ticks) continue;
            Assert.Same(source.Pool, input.Pool);
            copies.Add(input.Events.ToArray());
            // The first five batches are held to the end (a shard's replay list); the rest are released at once.
            if (ticks++ < 5) held.Add(input);
            else input.Release();
        }
        // Reuse happened, and never handed out a held batch: their events are what they were when read.
        Assert.True(source.Pool.Allocated < source.Pool.Rented / 2, $"{source.Pool.Allocated} allocated for {source.Pool.Rented} batches");
        for (int i = 0; i < held.Count; i++) Assert.True(copies[i].AsSpan().SequenceEqual(held[i].Events));
        // Every released batch came back once; what is out is what is held (and at most one spare the source rented and found nothing for).
        Assert.Equal(ticks - held.Count, source.Pool.Returned);
        Assert.InRange(source.Pool.Rented - source.Pool.Returned - held.Count, 0, 1);

        held[0].Release();
        Assert.True(held[0].IsReleased);
        Assert.Throws<InvalidOperationException>(() => held[0].Release());
        Assert.Throws<InvalidOperationException>(() => held[0].Events.Length);
        Assert.Equal(copies[0].Length, held[0].EventCount);
        // An input that owns a plain array has nothing to return.
        var owned = MarketInput.Ticks(Day1, copies[1]);
        owned.Release();
        owned.Release();
        Assert.Equal(copies[1].Length, owned.Events.Length);
    }

    private static List<(MarketInput Input, TickEvent[] Events)> Read(StoreEventSource source)
    {
        var inputs = new List<(MarketInput, TickEvent[])>();
        var reader = source.ReadAsync(CancellationToken.None).GetAsyncEnumerator();
        while (reader.MoveNextAsync().AsTask().GetAwaiter().GetResult())
        {
            var input = reader.Current;
            inputs.Add((input, input.Kind == MarketInputKind.Ticks ? input.Events.ToArray() : []));
            input.Release(); // copied: the array may serve the next batch
        }
        return inputs;
    }

    /// <summary>The reader before mapped-column batches: each symbol's events copied out whole, cut per minute by close time, cut into batches.</summary>
    private static List<(MarketInputKind Kind, DateOnly Date, int Time, SymbolCode[] Symbols, TickEvent[] Events)> PreviousReader(
        SortedDictionary<SymbolCode, TickEvent[]>[] days, int lastMinute = SessionBars.BarsPerDay)
    {
        var inputs = new List<(MarketInputKind, DateOnly, int, SymbolCode[], TickEvent[])>();
        foreach (var day in days)
        {
            var date = DateOf(days, day);
            var symbols = day.Keys.ToArray();
            var all = day.Values.ToArray();
            var pos = new int[all.Length];
            inputs.Add((MarketInputKind.DayStart, date, 0, symbols, []));
            for (int m = 1; m <= lastMinute; m++)
            {
                int close = m == SessionBars.BarsPerDay ? int.MaxValue : SessionBars.CloseTimeOf(m);
                var minute = new List<TickEvent>();
                for (int s = 0; s < all.Length; s++)
                    while (pos[s] < all[s].Length && all[s][pos[s]].Time < close) minute.Add(all[s][pos[s]++]);
                for (int k = 0; k < minute.Count; k += SmallBatch)
                    inputs.Add((MarketInputKind.Ticks, date, 0, [], minute.Skip(k).Take(SmallBatch).ToArray()));
                inputs.Add((MarketInputKind.Clock, date, SessionBars.CloseTimeOf(m), [], []));
            }
        }
        return inputs;
    }

    /// <summary>
    /// Eight symbols: random days, one without events, and rows a clean feed would not have —
    /// stamped before the open, in the lunch break, after the close, and out of time order
    /// (a time that goes back after a later one) — plus one symbol with 4,000 events in one minute
    /// (more than two batches).
    /// </summary>
    private static SortedDictionary<SymbolCode, TickEvent[]> MakeDay(DateOnly date, int seed)
    {
        var day = new SortedDictionary<SymbolCode, TickEvent[]>();
        for (int i = 0; i < 8; i++)
        {
            var symbol = SymbolCode.FromParts(600000 + i * 3, "SH");
            TickEvent[] events = i switch
            {
                3 => [],
                5 => Enumerable.Range(0, 4000).Select(k => TickEvent.Trade(symbol, 100000000 + k * 10, k + 1, 100_000, 100, k + 1, k + 2, 'B', 'F')).ToArray(),
                _ => Sig.Factors.Tests.Cpu.RandomDay.Make(seed * 100 + i, 900, sparse: i % 2 == 1).ToArray(),
            };
            for (int k = 0; k < events.Length; k++) events[k].Symbol = symbol.Value;
            if (i == 1 && events.Length > 40)
            {
                events[0].Time = 91500000;             // the opening auction, before 09:30
                events[10].Time = 120000000;           // the lunch break
                events[20].Time = events[19].Time - 60_000; // out of time order: a minute back
                events[^1].Time = 150500000;           // after the close
            }
            day[symbol] = events;
        }
        return day;
    }

    /// <summary>
    /// A random day of 300 symbols with the short runs of a 5,000-symbol market: each symbol has 0 to
    /// 60 events in a few random minutes (most minutes have none), some with several events stamped
    /// in one minute, some before the open or after the close; every tenth symbol has no events.
    /// </summary>
    private static SortedDictionary<SymbolCode, TickEvent[]> MakeSparseDay(DateOnly date, int seed)
    {
        var random = new Random(seed);
        var day = new SortedDictionary<SymbolCode, TickEvent[]>();
        for (int i = 0; i < 300; i++)
        {
            var symbol = SymbolCode.FromParts(1 + i * 5, "SZ");
            var times = new List<int>();
            if (i % 10 != 9)
            {
                int minutes = random.Next(1, 8);
                for (int k = 0; k < minutes; k++)
                {
                    int bar = random.Next(1, SessionBars.BarsPerDay + 1), start = SessionBars.StartTimeOf(bar);
                    int events = random.Next(1, 12);
                    for (int e = 0; e < events; e++) times.Add(start + random.Next(0, 59) * 1000 + e);
                }
                if (random.Next(4) == 0) times.Add(92000000);  // before the open
                if (random.Next(4) == 0) times.Add(150300000); // after the close
            }
            times.Sort();
            day[symbol] = times.Select((t, k) => TickEvent.Trade(symbol, t, k + 1, 100_000 + random.Next(100), 100 * random.Next(1, 50), k + 1, k + 2, 'B', 'F')).ToArray();
        }
        return day;
    }

    private void WriteStore(SortedDictionary<SymbolCode, TickEvent[]>[] days)
    {
        using var writer = new TickStoreWriter(_dir, blockRows: 1000); // several blocks per day: symbols in different blocks
        foreach (var day in days)
        {
            var date = DateOf(days, day);
            using var w = writer.BeginDay(date, ReferenceSchema.Default, day.Keys.Select(s => Reference(s, date)).ToList());
            foreach (var (symbol, events) in day) w.WriteSymbol(symbol, events);
            w.Commit();
        }
    }

    /// <summary>Day k of a test's days is <see cref="Day1"/> plus k days.</summary>
    private static DateOnly DateOf(SortedDictionary<SymbolCode, TickEvent[]>[] days, SortedDictionary<SymbolCode, TickEvent[]> day) =>
        Day1.AddDays(Array.IndexOf(days, day));

    private static DailyReference Reference(SymbolCode s, DateOnly date) => new()
    {
        Date = date, Symbol = s, PreClose = 100_000, AdjFactor = 1, Industry = "801010", TotalShares = 1_000_000, FloatShares = 800_000,
        IsSt = false, LimitUp = 110_000, LimitDown = 90_000, Weights = new double[ReferenceSchema.Default.WeightColumns.Length],
    };
}
