using Sig.Engine.Events;
using Sig.Factors;
using Sig.Factors.Intraday;
using Sig.Engine.Time;
using Sig.Gpu;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;
using Sig.Replay.Csv;
using Sig.Replay.Csv.Exchange;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>
/// A generated canonical day, written out as the exchanges publish it (SZSE orders/trades, SSE
/// orders/trades, the merged SSE stream) and imported back, gives the canonical import's factors:
/// all 27 on SZ symbols; on SH symbols 1–23 exactly, and 24–27 as computed from the canonical day
/// with what SSE cannot publish applied (market orders' cancelled remainders, market/best-own types,
/// the limit price of orders filled completely on arrival: docs/exchange-layouts.md).
/// </summary>
public sealed class ExchangeImportRoundTripTests : IDisposable
{
    private static readonly int[] Minutes = [1, 30, 120, 240];
    private readonly string _root = Directory.CreateTempSubdirectory("engine-exchange-rt-").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    [Fact]
    public void Vendor_layouts_of_a_generated_day_give_the_canonical_factors()
    {
        string csv = Path.Combine(_root, "csv");
        var settings = new GeneratorSettings { Stocks = 16, Days = 1, EventsPerStockDay = 1500, Seed = 9 };
        string trades, orders, reference;
        using (var writer = new CanonicalCsvWriter(csv))
        {
            new MarketGenerator(settings).Generate(writer);
            (trades, orders, reference) = (writer.TradesPath, writer.OrdersPath, writer.ReferencePath);
        }
        var canonical = Import(trades, orders, reference, null, "canonical");
        var date = canonical.Dates[0];
        var days = Read(canonical, date);
        Assert.Contains(days, d => d.Symbol.Exchange == "SH" && d.Events.Length > 0);
        Assert.Contains(days, d => d.Symbol.Exchange == "SZ" && d.Events.Length > 0);

        var files = ExchangeLayoutWriter.Write(Path.Combine(_root, "vendor"), date, days);
        var separate = new ExchangeInput([new(ExchangeLayout.SzseOrders, files.SzseOrders), new(ExchangeLayout.SzseTrades, files.SzseTrades),
            new(ExchangeLayout.SseOrders, files.SseOrders), new(ExchangeLayout.SseTrades, files.SseTrades)]);
        var imported = Read(Import(null, null, reference, separate, "separate"), date);
        var merged = new ExchangeInput([new(ExchangeLayout.SzseOrders, files.SzseOrders), new(ExchangeLayout.SzseTrades, files.SzseTrades),
            new(ExchangeLayout.SseTick, files.SseTick)], date: date);
        var fromMerged = Read(Import(null, null, reference, merged, "merged"), date);

        Assert.Empty(separate.Losses);
        Assert.Empty(merged.Losses);
        Assert.True(separate.Rebuild.OrdersRebuiltFromFills > 0 && separate.Rebuild.OrdersCompletedFromFills > 0, "the day exercises both SSE reconstructions");
        Assert.Equal(0, separate.Rebuild.FillsOnUnpublishedOrders);
        Assert.Equal(days.Select(d => d.Symbol), imported.Select(d => d.Symbol));
        for (int i = 0; i < days.Count; i++)
        {
            var symbol = days[i].Symbol;
            Assert.Equal(imported[i].Events, fromMerged[i].Events); // the merged stream gives the same store day
            Assert.Equal(days[i].Events.Count(e => e.Kind == TickKind.Trade && e.IsFill), imported[i].Events.Count(e => e.IsFill));
            bool sh = symbol.Exchange == "SH";
            var expectedOrderStream = sh ? AsSsePublishes(days[i].Events) : days[i].Events;
            foreach (int m in Minutes)
            {
                var want = Factors(days[i].Events, m);
                var wantOrders = Factors(expectedOrderStream, m);
                var got = Factors(imported[i].Events, m);
                for (int f = 0; f < FactorCatalog.Count; f++)
                {
                    double expected = sh && f >= 23 ? wantOrders[f] : want[f];
                    Assert.True(expected.Equals(got[f]), $"{symbol} as of {m}: factor {f + 1} {FactorCatalog.Names[f]} canonical {expected:R}, imported {got[f]:R}");
                }
            }
        }
    }

    private ImportResult Import(string? trades, string? orders, string reference, ExchangeInput? exchange, string name)
    {
        using var sink = new TickStoreWriter(Path.Combine(_root, name));
        var result = CsvImporter.Import(trades, orders, reference, sink, new ImportOptions { Exchange = exchange });
        Assert.True(result.Success, $"{name}: {result.Error}; {string.Join("; ", result.Files.SelectMany(f => f.Samples).Select(s => $"{s.File}:{s.Line} {s.Detail} {s.Text}"))}");
        return result;
    }

    private List<(SymbolCode Symbol, TickEvent[] Events)> Read(ImportResult result, DateOnly date)
    {
        string name = result.ExchangeFiles.Count == 0 ? "canonical" : result.ExchangeFiles.Any(f => f.Path.EndsWith("sse_tick.csv", StringComparison.Ordinal)) ? "merged" : "separate";
        using var day = TickStore.Open(Path.Combine(_root, name)).OpenDay(date);
        var list = new List<(SymbolCode, TickEvent[])>();
        for (int i = 0; i < day.SymbolCount; i++)
        {
            var events = new TickEvent[day.EventCount(i)];
            day.ReadEvents(i, events);
            list.Add((day.Symbol(i), events));
        }
        return list;
    }

    private static double[] Factors(IReadOnlyList<TickEvent> events, int m)
    {
        var state = new SymbolDayState(events.Count > 0 ? new SymbolCode(events[0].Symbol) : default);
        foreach (var e in events) if (SessionBars.BarOf(e.Time) <= m) state.Apply(e);
        var v = new double[FactorCatalog.Count];
        new IntradayFactorEvaluator().Evaluate(state, new MinuteBarFold(), m, new FactorSettings(1.0, 0), v);
        return v;
    }

    /// <summary>
    /// The canonical SH day as its order stream can be known from SSE data: a market order's
    /// quantity is what it filled (the cancelled remainder is never published; none filled: no order),
    /// every order is type L, and an order filled completely on arrival has its worst fill price.
    /// Derived from the canonical rows alone (the importer's reconstruction is not used).
    /// </summary>
    private static TickEvent[] AsSsePublishes(TickEvent[] events)
    {
        var taken = new Dictionary<long, (long Qty, long Worst)>();
        foreach (var e in events.Where(e => e.IsFill && e.Side != (byte)'N'))
        {
            long id = e.Side == (byte)'B' ? e.BuyOrderId : e.SellOrderId;
            var t = taken.GetValueOrDefault(id, (0, e.Price));
            taken[id] = (t.Qty + e.Volume, e.Side == (byte)'B' ? Math.Max(t.Worst, e.Price) : Math.Min(t.Worst, e.Price));
        }
        var result = new List<TickEvent>();
        foreach (var e in events)
        {
            if (!e.IsNewOrder) { result.Add(e); continue; }
            var o = e;
            var (qty, worst) = taken.GetValueOrDefault(e.OrderId, (0, 0));
            if (e.Type == (byte)'M')
            {
                if (qty == 0) continue;
                o.Volume = qty;
            }
            if (qty == o.Volume) o.Price = worst;
            o.Type = (byte)'L';
            result.Add(o);
        }
        return [.. result];
    }
}
