using System.CommandLine;
using Sig.Engine.Events;
using Sig.Replay.Csv;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>`engine generate`: the synthetic level-2 market (docs/generator.md) into a tick store or canonical CSVs.</summary>
public sealed class GenerateCommand : ICliCommand
{
    public Command Build()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory (tick store, or trades.csv/orders.csv/reference.csv)", Required = true };
        var stocks = new Option<int>("--stocks") { Description = "Number of stocks", DefaultValueFactory = _ => 50 };
        var days = new Option<int>("--days") { Description = "Trading days", DefaultValueFactory = _ => 30 };
        var start = new Option<string>("--start") { Description = "First calendar date (YYYY-MM-DD)", DefaultValueFactory = _ => "2024-01-02" };
        var seed = new Option<ulong>("--seed") { Description = "RNG seed (same seed and arguments → byte-identical output)", DefaultValueFactory = _ => 42UL };
        var events = new Option<int?>("--events-per-stock-day") { Description = "Approximate events per stock-day (default: generator.eventsPerStockDay)" };
        var format = new Option<string>("--format") { Description = "store or csv", DefaultValueFactory = _ => "store" };
        format.AcceptOnlyFromAmong("store", "csv");
        var cmd = new Command("generate", "Generate a synthetic A-share level-2 market with a planted signal") { output, stocks, days, start, seed, events, format };
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            var settings = new GeneratorSettings
            {
                Stocks = parse.GetValue(stocks), Days = parse.GetValue(days), Seed = parse.GetValue(seed),
                Start = Cli.ParseDate(parse.GetValue(start)!, "--start"),
                EventsPerStockDay = parse.GetValue(events) ?? config.Generator.EventsPerStockDay,
                CancelStyle = config.Generator.CancelStyle,
                Holidays = config.Generator.Holidays.Select(h => Cli.ParseDate(h, "generator.holidays")).ToArray(),
            };
            if (settings.Stocks <= 0 || settings.Days <= 0 || settings.EventsPerStockDay <= 0)
                throw new ArgumentException("--stocks, --days and --events-per-stock-day must be positive");
            string dir = parse.GetValue(output)!.FullName;
            var generator = new MarketGenerator(settings);
            AnsiConsole.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask("generate", maxValue: generator.TradingDays.Count);
                using IMarketDataSink sink = parse.GetValue(format) == "csv" ? new CanonicalCsvWriter(dir, gzip: false) : new TickStoreWriter(dir);
                generator.Generate(sink, new Progress<int>(_ => task.Increment(1)));
            });
            AnsiConsole.MarkupLine($"{settings.Stocks} stocks × {generator.TradingDays.Count} days ({generator.TradingDays[0]:yyyy-MM-dd}..{generator.TradingDays[^1]:yyyy-MM-dd}), seed {settings.Seed} → {Markup.Escape(dir)}");
            return 0;
        });
        return cmd;
    }
}
