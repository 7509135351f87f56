using System.CommandLine;
using System.Diagnostics;
using Sig.Engine.Events;
using Sig.Replay.Csv;
using Sig.Replay.Csv.Exchange;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine bench import`: import speed (input MB/s, events/s) of each input layout on the same
/// generated day — the canonical CSVs, SZSE orders+trades, SSE orders+trades and the merged SSE
/// stream — each run end to end (read, check, rebuild, sort, write the store day) into a temp store.
/// </summary>
public sealed class BenchImportCommand : IBenchCommand
{
    public Command Build()
    {
        var stocks = new Option<int>("--stocks") { Description = "Number of stocks", DefaultValueFactory = _ => 200 };
        var events = new Option<int>("--events-per-stock-day") { Description = "Mean events per stock-day", DefaultValueFactory = _ => 10000 };
        var seed = new Option<ulong>("--seed") { Description = "Generator seed", DefaultValueFactory = _ => 42UL };
        var dir = new Option<string?>("--dir") { Description = "Where the temp files go (default: the system temp folder); deleted afterwards" };
        var cmd = new Command("import", "Import MB/s and events/s per input layout: canonical, SZSE, SSE, SSE merged") { stocks, events, seed, dir };
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(stocks), k = parse.GetValue(events);
            if (n < 1 || k < 1) throw new ArgumentException("--stocks and --events-per-stock-day must be positive");
            string root = Path.Combine(parse.GetValue(dir) ?? Path.GetTempPath(), $"sig-bench-import-{Guid.NewGuid():N}");
            try { Run(root, new GeneratorSettings { Stocks = n, Days = 1, EventsPerStockDay = k, Seed = parse.GetValue(seed) }); }
            finally { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
            return 0;
        });
        return cmd;
    }

    private static void Run(string root, GeneratorSettings settings)
    {
        AnsiConsole.MarkupLine($"[bold]bench import[/]: {settings.Stocks:N0} stocks × ~{settings.EventsPerStockDay:N0} events, one day; {Markup.Escape(BenchReport.Machine())}");
        string csv = Path.Combine(root, "csv");
        string trades, orders, reference;
        using (var writer = new CanonicalCsvWriter(csv))
        {
            new MarketGenerator(settings).Generate(writer);
            (trades, orders, reference) = (writer.TradesPath, writer.OrdersPath, writer.ReferencePath);
        }
        var table = new Table().AddColumns("layout", "input MB", "events", "seconds (best of 2)", "MB/s", "events/s");
        var canonical = Measure(table, "canonical", root, trades, orders, reference, () => null);
        var date = canonical.Dates[0];
        ExchangeDayFiles files;
        using (var day = TickStore.Open(Path.Combine(root, "canonical")).OpenDay(date))
        {
            var symbols = new List<(SymbolCode, TickEvent[])>();
            for (int i = 0; i < day.SymbolCount; i++)
            {
                var ev = new TickEvent[day.EventCount(i)];
                day.ReadEvents(i, ev);
                symbols.Add((day.Symbol(i), ev));
            }
            files = ExchangeLayoutWriter.Write(Path.Combine(root, "vendor"), date, symbols);
        }
        Measure(table, "SZSE", root, null, null, reference, () => new ExchangeInput([new(ExchangeLayout.SzseOrders, files.SzseOrders), new(ExchangeLayout.SzseTrades, files.SzseTrades)]));
        Measure(table, "SSE", root, null, null, reference, () => new ExchangeInput([new(ExchangeLayout.SseOrders, files.SseOrders), new(ExchangeLayout.SseTrades, files.SseTrades)]));
        Measure(table, "SSE merged", root, null, null, reference, () => new ExchangeInput([new(ExchangeLayout.SseTick, files.SseTick)], date: date));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("Each run reads the layout's files and the reference file, checks, sorts and writes the store day; input MB counts every file read.");
    }

    private static ImportResult Measure(Table table, string layout, string root, string? trades, string? orders, string reference, Func<ExchangeInput?> exchangeOf)
    {
        // Best of two runs: the first also pays for JIT compilation, the second shows the steady rate.
        ImportResult result = null!;
        double seconds = double.MaxValue;
        for (int run = 0; run < 2; run++)
        {
            string store = Path.Combine(root, layout == "canonical" && run == 0 ? "canonical" : $"store-{layout.Replace(' ', '-')}-{run}");
            var clock = Stopwatch.StartNew(); // wall-clock ok: the benchmark's measurement
            using (var sink = new TickStoreWriter(store))
                result = CsvImporter.Import(trades, orders, reference, sink, new ImportOptions { Exchange = exchangeOf() });
            seconds = Math.Min(seconds, clock.Elapsed.TotalSeconds);
            if (!result.Success) throw new InvalidOperationException($"{layout} import failed: {result.Error}");
        }
        double mb = result.InputBytes / 1e6;
        table.AddRow(layout, $"{mb:F1}", $"{result.EventsWritten:N0}", $"{seconds:F2}", $"{mb / seconds:F1}", $"{result.EventsWritten / seconds / 1e6:F2}M");
        return result;
    }
}
