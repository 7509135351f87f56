using System.Text;
using System.Text.Json;
using Sig.Engine.Events;
using Sig.Engine.Nats;
using Sig.Engine.Text;
using Sig.Replay.Feed;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Replay.Tests.Feed;

/// <summary>One generated day (12 stocks) in a tick store, shared by the feed plan tests.</summary>
public sealed class FeedDayFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public FeedDayFixture()
    {
        using (var sink = new TickStoreWriter(_dir.Path))
            new MarketGenerator(new GeneratorSettings { Stocks = 12, Days = 1, Start = new DateOnly(2024, 3, 4), Seed = 11, EventsPerStockDay = 1500 })
                .Generate(sink);
        var store = TickStore.Open(_dir.Path);
        Day = store.OpenDay(store.Dates[0]);
        Events = new TickEvent[Day.SymbolCount][];
        for (int i = 0; i < Day.SymbolCount; i++)
        {
            Events[i] = new TickEvent[Day.EventCount(i)];
            Day.ReadEvents(i, Events[i]);
        }
    }

    public TickDay Day { get; }

    /// <summary>Each symbol's stored events (seq order), by symbol index.</summary>
    public TickEvent[][] Events { get; }

    public void Dispose()
    {
        Day.Dispose();
        _dir.Dispose();
    }
}

/// <summary>An <see cref="IDayEvents"/> over arrays (hand-made edge cases).</summary>
internal sealed class ArrayDay(DateOnly date, IReadOnlyList<DailyReference> references, params (SymbolCode Symbol, TickEvent[] Events)[] symbols) : IDayEvents
{
    public DateOnly Date => date;
    public IReadOnlyList<DailyReference> References => references;
    public int SymbolCount => symbols.Length;
    public SymbolCode Symbol(int index) => symbols[index].Symbol;
    public int EventCount(int index) => symbols[index].Events.Length;
    public void ReadEvents(int index, int offset, Span<TickEvent> destination) =>
        symbols[index].Events.AsSpan(offset, destination.Length).CopyTo(destination);
}

public class DayFeedPlanTests(FeedDayFixture fixture) : IClassFixture<FeedDayFixture>
{
    /// <summary>A published event with where it went.</summary>
    private sealed record Row(TickEvent Event, FeedMessage Message);

    /// <summary>Parses every trade/order message back into events (checking subject, date and kind), in plan order.</summary>
    private static List<Row> ParseEvents(IEnumerable<FeedMessage> plan, DateOnly date, string prefix = "sig")
    {
        var rows = new List<Row>();
        foreach (var m in plan)
        {
            if (!m.IsEvents) continue;
            string text = Encoding.UTF8.GetString(m.Payload);
            Assert.False(text.EndsWith('\n'));
            var lines = text.Split('\n');
            Assert.Equal(m.Rows, lines.Length);
            bool trade = m.Kind == FeedMessageKind.Trade;
            Assert.StartsWith(trade ? $"{prefix}.md.trade." : $"{prefix}.md.order.", m.Subject);
            var symbol = SymbolCode.Parse(MarketSubjects.SymbolOf(m.Subject[(m.Subject.LastIndexOf('.') + 1)..]));
            foreach (var line in lines)
            {
                var outcome = trade
                    ? CanonicalRows.ParseTrade(line, out var d, out var e, out var reason)
                    : CanonicalRows.ParseOrder(line, out d, out e, out reason);
                // (A hand-made edge case stamps an event before 09:15; the row is still well-formed.)
                Assert.True(outcome != RowOutcome.Rejected || reason == RejectReason.TimeOutsideSession, $"{line}: {reason}");
                Assert.Equal(date, d);
                Assert.Equal(symbol.Value, e.Symbol);
                rows.Add(new Row(e, m));
            }
        }
        return rows;
    }

    private static string Describe(in TickEvent e) =>
        $"{e.Kind}|{e.Symbol}|{e.Time}|{e.Seq}|{e.Price}|{e.Volume}|{e.BuyOrderId}|{e.SellOrderId}|{e.Side}|{e.Type}";

    private static List<int> Clocks(IEnumerable<FeedMessage> plan, DateOnly date)
    {
        var clocks = new List<int>();
        foreach (var m in plan.Where(m => m.Kind == FeedMessageKind.Clock))
        {
            Assert.Equal("sig.md.clock", m.Subject);
            using var doc = JsonDocument.Parse(m.Payload);
            var root = doc.RootElement;
            Assert.Equal(new[] { "v", "date", "time" }, root.EnumerateObject().Select(p => p.Name));
            Assert.Equal(1, root.GetProperty("v").GetInt32());
            Assert.Equal(CanonicalRows.FormatDate(date), root.GetProperty("date").GetString());
            Assert.Equal(m.Time, root.GetProperty("time").GetInt32());
            Assert.Equal(0, m.Rows);
            clocks.Add(m.Time);
        }
        return clocks;
    }

    [Fact]
    public void Same_seed_gives_the_same_bytes_and_another_seed_another_interleaving()
    {
        var a = DayFeedPlan.For(fixture.Day, 1).ToList();
        var again = DayFeedPlan.For(fixture.Day, 1).ToList();
        var b = DayFeedPlan.For(fixture.Day, 2).ToList();
        Assert.Equal(a.Count, again.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Subject, again[i].Subject);
            Assert.Equal(a[i].Payload, again[i].Payload);
            Assert.Equal(a[i].MsgId, again[i].MsgId);
        }
        Assert.NotEqual(a.Select(m => m.Subject), b.Select(m => m.Subject));
        // Same events and clocks, only the order of symbols within a second differs.
        var eventsA = ParseEvents(a, fixture.Day.Date).Select(r => Describe(r.Event)).Order().ToList();
        var eventsB = ParseEvents(b, fixture.Day.Date).Select(r => Describe(r.Event)).Order().ToList();
        Assert.Equal(eventsA, eventsB);
        Assert.Equal(Clocks(a, fixture.Day.Date), Clocks(b, fixture.Day.Date));
    }

    [Fact]
    public void Every_event_goes_out_once_in_seq_order_and_parses_back_to_the_stored_event()
    {
        var plan = DayFeedPlan.For(fixture.Day, 7);
        var rows = ParseEvents(plan, fixture.Day.Date);
        Assert.Equal(plan.TotalEvents, rows.Count);
        for (int i = 0; i < fixture.Day.SymbolCount; i++)
        {
            int symbol = fixture.Day.Symbol(i).Value;
            var got = rows.Where(r => r.Event.Symbol == symbol).Select(r => Describe(r.Event)).ToList();
            Assert.Equal(fixture.Events[i].Select(e => Describe(e)), got);
        }
        Assert.True(rows.Count > 10_000);
        Assert.Contains(rows, r => r.Message.Rows > 1);
    }

    [Fact]
    public void Events_precede_later_clocks_clocks_cover_every_second_and_the_last_is_150000001()
    {
        var plan = DayFeedPlan.For(fixture.Day, 3).ToList();
        int lastClock = 0;
        foreach (var m in plan)
        {
            if (m.Kind == FeedMessageKind.Clock)
            {
                Assert.True(m.Time >= lastClock, $"clock {m.Time} after {lastClock}");
                lastClock = m.Time;
            }
        }
        // Each event is published while every clock so far is ≤ its time, i.e. before any clock later than it.
        var clockSoFar = new Dictionary<long, int>();
        int latest = 0;
        foreach (var m in plan)
        {
            if (m.Kind == FeedMessageKind.Clock) latest = m.Time;
            clockSoFar[m.Ordinal] = latest;
        }
        foreach (var r in ParseEvents(plan, fixture.Day.Date))
        {
            Assert.True(clockSoFar[r.Message.Ordinal] <= r.Event.Time, $"event at {r.Event.Time} after clock {clockSoFar[r.Message.Ordinal]}");
            Assert.True(r.Event.Time < r.Message.Time || r.Message.Time == DayFeedPlan.FinalClockTime);
        }

        var clocks = Clocks(plan, fixture.Day.Date);
        Assert.Equal(FeedMessageKind.Clock, plan[^1].Kind);
        Assert.Equal(DayFeedPlan.FinalClockTime, clocks[^1]);
        Assert.Equal(150000000, clocks[^2]);
        var set = clocks.ToHashSet();
        foreach (int t in SessionSeconds()) Assert.Contains(t, set);
        Assert.Equal(clocks.Count, set.Count); // one clock per window
        Assert.Equal(91501000, clocks[0]);
        Assert.DoesNotContain(113002000, set); // the lunch seconds are one window
    }

    /// <summary>Every second boundary 09:15:01 … 11:30:01 and 13:00:00 … 15:00:00.</summary>
    private static IEnumerable<int> SessionSeconds()
    {
        for (int s = 9 * 3600 + 15 * 60 + 1; s <= 15 * 3600; s++)
        {
            if (s > 11 * 3600 + 30 * 60 + 1 && s < 13 * 3600) continue;
            yield return s / 3600 * 10000000 + s / 60 % 60 * 100000 + s % 60 * 1000;
        }
    }

    [Fact]
    public void Reference_message_comes_first_and_parses_back_with_its_header()
    {
        var plan = DayFeedPlan.For(fixture.Day, 0).Take(3).ToList();
        Assert.Equal(FeedMessageKind.Reference, plan[0].Kind);
        Assert.Equal("sig.md.ref", plan[0].Subject);
        Assert.NotEqual(FeedMessageKind.Reference, plan[1].Kind);
        var parsed = ParseReference([plan[0]]);
        Assert.Equal(fixture.Day.References.Count, plan[0].Rows);
        Assert.Equal(Lines(fixture.Day.References, fixture.Day.Schema), Lines(parsed, fixture.Day.Schema));
    }

    private static IEnumerable<string> Lines(IEnumerable<DailyReference> rows, ReferenceSchema schema) =>
        rows.Select(r => ReferenceLayout.FormatRow(r, schema));

    private static List<DailyReference> ParseReference(IEnumerable<FeedMessage> messages)
    {
        var rows = new List<DailyReference>();
        foreach (var m in messages)
        {
            var lines = Encoding.UTF8.GetString(m.Payload).Split('\n');
            var layout = ReferenceLayout.TryParseHeader(lines[0], out string error);
            Assert.True(layout is not null, error);
            Assert.Equal(m.Rows, lines.Length - 1);
            foreach (var line in lines.Skip(1))
            {
                Assert.Equal(RejectReason.None, layout.TryParseRow(line, out var row, out string detail));
                rows.Add(row!);
            }
        }
        return rows;
    }

    [Fact]
    public void Max_rows_caps_messages_and_runs_are_maximal_same_kind_runs()
    {
        foreach (int max in (int[])[1, 3])
        {
            var plan = new DayFeedPlan(fixture.Day, fixture.Day.Schema, 5, max).ToList();
            Assert.All(plan.Where(m => m.IsEvents), m => Assert.InRange(m.Rows, 1, max));
            Assert.Equal(fixture.Day.TotalEvents, plan.Where(m => m.IsEvents).Sum(m => (long)m.Rows));
        }
        // Without a practical cap a symbol's message ends only where its kind changes or the window ends,
        // so two messages of one symbol in one window alternate kinds.
        var uncapped = new DayFeedPlan(fixture.Day, fixture.Day.Schema, 5, int.MaxValue).ToList();
        var last = new Dictionary<string, FeedMessage>();
        foreach (var m in uncapped.Where(m => m.IsEvents))
        {
            string sym = m.Subject[(m.Subject.LastIndexOf('.') + 1)..];
            if (last.TryGetValue(sym, out var prev) && prev.Time == m.Time) Assert.NotEqual(prev.Kind, m.Kind);
            last[sym] = m;
        }
        Assert.Contains(uncapped, m => m.Rows > 3);
    }

    [Fact]
    public void Msg_ids_are_date_and_ordinal()
    {
        var plan = DayFeedPlan.For(fixture.Day, 9).ToList();
        for (int i = 0; i < plan.Count; i++)
        {
            Assert.Equal(i, plan[i].Ordinal);
            Assert.Equal($"feed:2024-03-04:{i}", plan[i].MsgId);
        }
        Assert.Equal("feed:2024-03-04:17", DayFeedPlan.MsgIdOf(new DateOnly(2024, 3, 4), 17));
    }

    [Fact]
    public void Payload_limit_splits_the_reference_and_event_runs()
    {
        const int limit = 700;
        var plan = new DayFeedPlan(fixture.Day, fixture.Day.Schema, 4, 64, new MarketSubjects("x"), limit).ToList();
        var refs = plan.TakeWhile(m => m.Kind == FeedMessageKind.Reference).ToList();
        Assert.True(refs.Count > 1);
        Assert.All(refs, m => Assert.Equal("x.md.ref", m.Subject));
        Assert.All(refs, m => Assert.True(m.Payload.Length <= limit));
        Assert.Equal(Lines(fixture.Day.References, fixture.Day.Schema), Lines(ParseReference(refs), fixture.Day.Schema));
        Assert.All(plan.Where(m => m.IsEvents), m => Assert.True(m.Rows == 1 || m.Payload.Length <= limit));
        Assert.Contains(plan, m => m.IsEvents && m.Rows > 1);
        Assert.Equal(fixture.Day.TotalEvents, ParseEvents(plan, fixture.Day.Date, "x").Count);
    }

    [Fact]
    public void A_large_universe_splits_the_reference_at_the_default_limit()
    {
        var date = new DateOnly(2024, 3, 4);
        var references = Enumerable.Range(0, 6000).Select(i => new DailyReference
        {
            Date = date, Symbol = SymbolCode.FromParts(i, "SZ"), PreClose = 123_400 + i, AdjFactor = 1.0 / 3 + i, Industry = "801" + (i % 31),
            TotalShares = 1_000_000_000L + i, FloatShares = 900_000_000L + i, IsSt = i % 50 == 0, LimitUp = 135_700, LimitDown = 111_100,
            Weights = [0.000123456789 * (i % 7), 0], ListDate = new DateOnly(2001, 1, 1).AddDays(i), FreeFloatShares = 800_000_000L + i,
        }).ToList();
        var day = new ArrayDay(date, references);
        var plan = new DayFeedPlan(day, ReferenceSchema.Default, 1).ToList();
        var refs = plan.TakeWhile(m => m.Kind == FeedMessageKind.Reference).ToList();
        Assert.True(refs.Count >= 2, $"{refs.Count} ref messages");
        Assert.All(refs, m => Assert.True(m.Payload.Length <= DayFeedPlan.DefaultMaxPayloadBytes));
        Assert.Equal(Lines(references, ReferenceSchema.Default), Lines(ParseReference(refs), ReferenceSchema.Default));
        // No events: clocks only, every second, then the final one.
        Assert.All(plan.Skip(refs.Count), m => Assert.Equal(FeedMessageKind.Clock, m.Kind));
        Assert.Equal(SessionSeconds().Append(DayFeedPlan.FinalClockTime), plan.Skip(refs.Count).Select(m => m.Time));
    }

    [Fact]
    public void Edge_times_go_into_the_right_windows()
    {
        var date = new DateOnly(2024, 1, 2);
        var a = SymbolCode.Parse("000001.SZ");
        var b = SymbolCode.Parse("600000.SH");
        TickEvent T(SymbolCode s, int time, long seq) => TickEvent.Trade(s, time, seq, 100_000, 100, seq, 0, 'N', 'F');
        TickEvent O(SymbolCode s, int time, long seq) => TickEvent.Order(s, time, seq, seq, 'B', 100_000, 100, 'L');
        var day = new ArrayDay(date, [],
            (a, [O(a, 91000500, 1), T(a, 92500000, 2), T(a, 113000000, 3), T(a, 113000999, 4), O(a, 120000000, 5),
                 T(a, 145959999, 6), T(a, 150000000, 7), T(a, 150000000, 8), T(a, 153000000, 9)]),
            (b, [O(b, 92500000, 1), O(b, 93000000, 2), T(b, 150000000, 3)]));
        var plan = new DayFeedPlan(day, ReferenceSchema.Default, 42).ToList();
        var clocks = Clocks(plan, date);
        Assert.Equal(91001000, clocks[0]); // the first event's second comes before 09:15
        Assert.Equal(DayFeedPlan.FinalClockTime, clocks[^1]);

        int IndexOfClock(int time) => plan.FindIndex(m => m.Kind == FeedMessageKind.Clock && m.Time == time);
        var rows = ParseEvents(plan, date);
        int Where(SymbolCode s, long seq) => (int)rows.Single(r => r.Event.Symbol == s.Value && r.Event.Seq == seq).Message.Ordinal;
        Assert.InRange(Where(a, 1), 0, IndexOfClock(91001000));
        Assert.InRange(Where(a, 3), IndexOfClock(113000000), IndexOfClock(113001000));
        Assert.InRange(Where(a, 4), IndexOfClock(113000000), IndexOfClock(113001000));
        Assert.InRange(Where(a, 5), IndexOfClock(113001000), IndexOfClock(130000000)); // a lunch print: the lunch window
        Assert.InRange(Where(a, 6), IndexOfClock(145959000), IndexOfClock(150000000));
        foreach (var (s, seq) in new[] { (a, 7L), (a, 8L), (a, 9L), (b, 3L) }) // the closing auction and later: before the final clock
            Assert.InRange(Where(s, seq), IndexOfClock(150000000), plan.Count - 1);
        Assert.Equal(12, rows.Count);
    }

    [Fact]
    public void Row_bytes_equal_the_canonical_string_rows()
    {
        var date = fixture.Day.Date;
        var prefix = CanonicalRowBytes.DatePrefix(date);
        var buffer = new byte[CanonicalRowBytes.MaxRowBytes];
        var s = SymbolCode.Parse("688981.SH");
        TickEvent[] extra =
        [
            TickEvent.Trade(s, 93000001, long.MaxValue, 123_456_789, long.MaxValue, long.MaxValue, 0, 'B', 'F'),
            TickEvent.Trade(s, 150000000, 1, 0, 5, 0, 77, 'N', 'C'),
            TickEvent.Order(s, 91500000, 2, -5, 'S', 1, 1, 'D'),
            TickEvent.Order(s, 91500000, 3, 9, 'B', 100_000, 100, 'M'),
            TickEvent.Order(SymbolCode.Parse("430047.BJ"), 0, -1, 9, 'B', 10, -100, 'U'),
        ];
        foreach (var e in fixture.Events.SelectMany(x => x).Concat(extra))
        {
            int n = CanonicalRowBytes.Write(buffer, prefix, e);
            string expected = e.Kind == TickKind.Trade ? CanonicalRows.FormatTrade(date, e) : CanonicalRows.FormatOrder(date, e);
            Assert.Equal(expected, Encoding.UTF8.GetString(buffer, 0, n));
        }
    }
}
