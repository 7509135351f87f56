using System.CommandLine;
using System.Diagnostics;
using Sig.Engine.Events;
using Sig.Engine.Time;
using Sig.Replay.Csv;
using Sig.Replay.Store;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine bench store`: writes a synthetic full-market day into a temp tick store and measures
/// store write MB/s, scan events/s (ReadEvents into a reused buffer, and raw column spans), and
/// CSV import MB/s on a smaller file. The events come from a tiny inline loop, not the market generator.
/// </summary>
public sealed class StoreBenchCommand : IBenchCommand
{
    private static readonly DateOnly Day = new(2024, 1, 2);

    public Command Build()
    {
        var stocks = new Option<int>("--stocks") { Description = "Symbols in the day", DefaultValueFactory = _ => 5000 };
        var perStock = new Option<int>("--events-per-stock-day") { Description = "Events per symbol", DefaultValueFactory = _ => 20000 };
        var importRows = new Option<int>("--import-rows") { Description = "Rows of the CSV import measurement", DefaultValueFactory = _ => 200_000 };
        var dir = new Option<string?>("--dir") { Description = "Where the temp store goes (default: the system temp folder); deleted afterwards" };
        var cmd = new Command("store", "Tick store write MB/s, scan events/s, CSV import MB/s");
        foreach (var o in new Option[] { stocks, perStock, importRows, dir }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(stocks), k = parse.GetValue(perStock), rows = parse.GetValue(importRows);
            if (n < 1 || k < 1 || rows < 1) throw new ArgumentException("--stocks, --events-per-stock-day and --import-rows must be positive");
            string root = Path.Combine(parse.GetValue(dir) ?? Path.GetTempPath(), $"sig-bench-store-{Guid.NewGuid():N}");
            try { Run(root, n, k, rows); }
            finally { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
            return 0;
        });
        return cmd;
    }

    private static void Run(string root, int stocks, int perStock, int importRows)
    {
        AnsiConsole.MarkupLine($"[bold]bench store[/]: {stocks:N0} symbols × {perStock:N0} events = {(long)stocks * perStock:N0} events; {Markup.Escape(BenchReport.Machine())}");
        var symbols = Enumerable.Range(0, stocks).Select(SymbolOf).OrderBy(s => s.Value).ToArray();
        var buffer = new TickEvent[perStock];
        var table = new Table().AddColumns("measurement", "amount", "seconds", "rate");
        string storeDir = Path.Combine(root, "store");

        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var write = ctx.AddTask("store write", maxValue: stocks);
            var sw = Stopwatch.StartNew();
            using (var writer = new TickStoreWriter(storeDir))
            using (var day = writer.BeginDay(Day, ReferenceSchema.Default, symbols.Select(Reference).ToArray()))
            {
                for (int s = 0; s < stocks; s++)
                {
                    Fill(buffer, symbols[s], s);
                    day.WriteSymbol(symbols[s], buffer);
                    write.Increment(1);
                }
                day.Commit();
            }
            double writeSeconds = sw.Elapsed.TotalSeconds;
            long fileBytes = new FileInfo(Path.Combine(storeDir, "2024-01-02.tick")).Length;
            table.AddRow("store write", $"{fileBytes / 1e6:N0} MB", $"{writeSeconds:F2}", $"{fileBytes / 1e6 / writeSeconds:N0} MB/s, {(long)stocks * perStock / writeSeconds / 1e6:F1}M events/s");

            var scan = ctx.AddTask("scan", maxValue: 3);
            using (var tickDay = TickStore.Open(storeDir).OpenDay(Day))
            {
                foreach (var pass in new[] { "scan ReadEvents, first (page-in + CRC)", "scan ReadEvents, warm" })
                {
                    sw.Restart();
                    long sum = ScanEvents(tickDay, buffer);
                    AddScan(table, pass, tickDay.TotalEvents, sw.Elapsed.TotalSeconds, sum);
                    scan.Increment(1);
                }
                sw.Restart();
                long raw = ScanColumns(tickDay);
                AddScan(table, "scan raw column spans, warm", tickDay.TotalEvents, sw.Elapsed.TotalSeconds, raw);
                scan.Increment(1);
            }

            var import = ctx.AddTask("csv import", maxValue: 1);
            string csvDir = Path.Combine(root, "csv");
            int csvSymbols = Math.Max(1, Math.Min(stocks, importRows / perStock));
            int csvPerSymbol = Math.Min(perStock, importRows / csvSymbols);
            using (var csv = new CanonicalCsvWriter(csvDir))
            using (var day = csv.BeginDay(Day, ReferenceSchema.Default, symbols.Take(csvSymbols).Select(Reference).ToArray()))
            {
                for (int s = 0; s < csvSymbols; s++)
                {
                    Fill(buffer, symbols[s], s);
                    day.WriteSymbol(symbols[s], buffer.AsSpan(0, csvPerSymbol));
                }
                day.Commit();
            }
            sw.Restart();
            ImportResult result;
            using (var sink = new TickStoreWriter(Path.Combine(root, "imported")))
                result = CsvImporter.Import(Path.Combine(csvDir, "trades.csv"), Path.Combine(csvDir, "orders.csv"), Path.Combine(csvDir, "reference.csv"), sink);
            double importSeconds = sw.Elapsed.TotalSeconds;
            if (!result.Success) throw new InvalidDataException($"bench import failed: {result.Error}");
            table.AddRow("csv import (parse, sort, check, write)", $"{result.InputBytes / 1e6:N1} MB, {result.EventsWritten:N0} rows", $"{importSeconds:F2}",
                $"{result.InputBytes / 1e6 / importSeconds:N1} MB/s, {result.EventsWritten / importSeconds / 1e6:F2}M rows/s");
            import.Increment(1);
        });
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"peak RSS {BenchReport.PeakRssMiB():N0} MiB");
    }

    private static void AddScan(Table table, string name, long events, double seconds, long checksum) =>
        table.AddRow(name, $"{events:N0} events", $"{seconds:F3}", $"{events / seconds / 1e6:N0}M events/s (checksum {checksum & 0xFFFF:X4})");

    /// <summary>Every symbol's merged trades and orders through ReadEvents into one reused buffer.</summary>
    private static long ScanEvents(TickDay day, TickEvent[] buffer)
    {
        long sum = 0;
        for (int i = 0; i < day.SymbolCount; i++)
        {
            int n = day.EventCount(i);
            if (n > buffer.Length) buffer = new TickEvent[n];
            day.ReadEvents(i, buffer);
            for (int k = 0; k < n; k++) sum += buffer[k].Volume ^ buffer[k].Seq;
        }
        return sum;
    }

    /// <summary>The same columns read in place from the mapping, no copy.</summary>
    private static long ScanColumns(TickDay day)
    {
        long sum = 0;
        for (int i = 0; i < day.SymbolCount; i++)
        {
            var c = day.Columns(i);
            ReadOnlySpan<long> volume = c.Volume, seq = c.Seq;
            for (int k = 0; k < volume.Length; k++) sum += volume[k] ^ seq[k];
        }
        return sum;
    }

    private static SymbolCode SymbolOf(int i) => i % 2 == 0 ? SymbolCode.FromParts(i / 2 + 1, "SZ") : SymbolCode.FromParts(600000 + i / 2, "SH");

    private static DailyReference Reference(SymbolCode s) => new()
    {
        Date = Day, Symbol = s, PreClose = 100_000, AdjFactor = 1, Industry = "801780", TotalShares = 100_000_000,
        FloatShares = 80_000_000, IsSt = false, LimitUp = 110_000, LimitDown = 90_000, Weights = [0, 0],
        ListDate = new DateOnly(2010, 1, 4), FreeFloatShares = 60_000_000,
    };

    /// <summary>Deterministic events for one symbol: orders and fills referencing them, seq gaps now and then, times across the session.</summary>
    private static void Fill(Span<TickEvent> events, SymbolCode symbol, int salt)
    {
        ulong x = 0x9E3779B97F4A7C15UL ^ (ulong)(salt + 1);
        long seq = 0, price = 100_000;
        int start = ExchangeTime.ToMillis(ExchangeTime.ContinuousOpen), span = ExchangeTime.ToMillis(113000000) - start;
        for (int i = 0; i < events.Length; i++)
        {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            seq += 1 + (long)(x % 16 == 0 ? x % 5 : 0);
            price = Math.Max(10_000, price + (long)(x >> 60) - 7);
            int time = ExchangeTime.FromMillis(start + (int)((long)span * i / events.Length));
            long volume = 100 * (1 + (long)(x >> 40) % 50);
            events[i] = i % 2 == 0
                ? TickEvent.Order(symbol, time, seq, seq, (x & 1) == 0 ? 'B' : 'S', price, volume, 'L')
                : TickEvent.Trade(symbol, time, seq, price, volume, events[i - 1].Side == 'B' ? events[i - 1].OrderId : 0,
                    events[i - 1].Side == 'S' ? events[i - 1].OrderId : 0, (char)events[i - 1].Side, 'F');
        }
    }
}
