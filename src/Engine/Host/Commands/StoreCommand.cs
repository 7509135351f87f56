using System.CommandLine;
using Sig.Replay.Store;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>`engine store …`: tick store maintenance; `engine store info` summarizes the days.</summary>
public sealed class StoreCommand : ICliCommand
{
    public Command Build()
    {
        var storeOption = new Option<string>("--store") { Description = "Tick store directory", Required = true };
        var verify = new Option<bool>("--verify") { Description = "Also verify every column block's checksum (reads all data)" };
        var top = new Option<int>("--top") { Description = "Symbol-days with the most seq gaps to list", DefaultValueFactory = _ => 10 };
        var info = new Command("info", "Dates, symbols, trade/order counts, seq gaps and size of a tick store");
        foreach (var o in new Option[] { storeOption, verify, top }) info.Options.Add(o);
        info.SetAction(parse => Info(parse.GetValue(storeOption)!, parse.GetValue(verify), parse.GetValue(top)));
        var store = new Command("store", "Tick store maintenance");
        store.Subcommands.Add(info);
        return store;
    }

    private static int Info(string directory, bool verify, int topCount)
    {
        PrintSummary(TickStore.Open(directory), verify, topCount);
        return 0;
    }

    /// <summary>Prints the per-date table, the worst seq-gap symbol-days and leftover temp files (also used by `engine demo`).</summary>
    public static void PrintSummary(TickStore store, bool verify = false, int topCount = 10)
    {
        string directory = store.Directory;
        var table = new Table().AddColumns("date", "symbols", "with events", "trades", "orders", "seq gaps", "skipped after hours", "size MiB");
        var gaps = new List<(DateOnly Date, string Symbol, int Gaps)>();
        var losses = new List<(DateOnly Date, ChannelLoss Loss)>();
        long bytes = 0, trades = 0, orders = 0;
        foreach (var date in store.Dates)
        {
            using var day = store.OpenDay(date);
            if (verify) day.VerifyAll();
            int withEvents = 0;
            for (int i = 0; i < day.SymbolCount; i++)
            {
                if (day.EventCount(i) > 0) withEvents++;
                int g = day.Stats(i).SeqGaps;
                if (g > 0) gaps.Add((date, day.Symbol(i).ToString(), g));
            }
            losses.AddRange(day.ChannelLosses.Select(l => (date, l)));
            bytes += day.FileBytes; trades += day.TotalTrades; orders += day.TotalOrders;
            table.AddRow($"{date:yyyy-MM-dd}", $"{day.SymbolCount:N0}", $"{withEvents:N0}", $"{day.TotalTrades:N0}", $"{day.TotalOrders:N0}",
                $"{day.TotalSeqGaps:N0}", $"{day.TotalSkippedAfterHours:N0}", $"{day.FileBytes / 1048576.0:F1}");
        }
        AnsiConsole.MarkupLine($"store [bold]{Markup.Escape(Path.GetFullPath(directory))}[/]: {store.Dates.Count} day(s), {trades:N0} trades, {orders:N0} orders, {bytes / 1048576.0:F1} MiB{(verify ? ", all checksums verified" : "")}");
        AnsiConsole.Write(table);
        var worst = gaps.OrderByDescending(g => g.Gaps).ThenBy(g => g.Date).ThenBy(g => g.Symbol, StringComparer.Ordinal).Take(topCount).ToList();
        if (worst.Count > 0)
        {
            var t = new Table().Title("symbol-days with the most seq gaps").AddColumns("date", "symbol", "gaps");
            foreach (var (date, symbol, g) in worst) t.AddRow($"{date:yyyy-MM-dd}", symbol, $"{g:N0}");
            AnsiConsole.Write(t);
        }
        foreach (var (date, l) in losses) AnsiConsole.MarkupLine(Markup.Escape(ExchangeImportOptions.Describe(date, l)));
        var temps = store.TempFiles();
        if (temps.Count > 0)
            AnsiConsole.MarkupLine($"[yellow]{temps.Count} temp file(s)[/] of running or killed writers (never read as days): {Markup.Escape(string.Join(", ", temps.Select(Path.GetFileName)))}");
    }
}
