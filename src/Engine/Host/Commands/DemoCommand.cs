using System.CommandLine;
using Sig.Factors;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine demo`: the main job on the embedded default market — generate → store → replay into
/// daily factors — with a summary of each stage. Later capabilities extend this same command.
/// </summary>
public sealed class DemoCommand : ICliCommand
{
    public Command Build()
    {
        var work = new Option<DirectoryInfo>("--work") { Description = "Working directory", DefaultValueFactory = _ => new DirectoryInfo("work/demo") };
        var stocks = new Option<int>("--stocks") { Description = "Symbols to generate", DefaultValueFactory = _ => 50 };
        var days = new Option<int>("--days") { Description = "Trading days to generate", DefaultValueFactory = _ => 30 };
        var seed = new Option<ulong>("--seed") { Description = "Generator seed", DefaultValueFactory = _ => 42UL };
        var cmd = new Command("demo", "Run the whole pipeline on a generated market: generate → store → replay → factors → live over NATS") { work, stocks, days, seed };
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            var dir = parse.GetValue(work)!.FullName;
            string storeDir = Path.Combine(dir, "store");
            if (Directory.Exists(storeDir)) Directory.Delete(storeDir, true);
            Directory.CreateDirectory(dir);

            AnsiConsole.Write(new Rule("[bold]1. generate[/]").LeftJustified());
            var settings = new GeneratorSettings
            {
                Stocks = parse.GetValue(stocks), Days = parse.GetValue(days), Seed = parse.GetValue(seed),
                EventsPerStockDay = config.Generator.EventsPerStockDay, CancelStyle = config.Generator.CancelStyle,
                Holidays = config.Generator.Holidays.Select(h => Cli.ParseDate(h, "generator.holidays")).ToArray(),
            };
            var generator = new MarketGenerator(settings);
            AnsiConsole.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask("generate", maxValue: generator.TradingDays.Count);
                using var sink = new TickStoreWriter(storeDir);
                generator.Generate(sink, new Progress<int>(_ => task.Increment(1)));
            });
            var store = TickStore.Open(storeDir);
            StoreCommand.PrintSummary(store);

            AnsiConsole.Write(new Rule("[bold]2. replay → 27 factors every minute → daily feature store[/]").LeftJustified());
            string db = Path.Combine(dir, "features.db");
            if (File.Exists(db)) File.Delete(db);
            var (manifest, last) = ReplayCommand.Run(store, store.Dates.ToList(), DemoPortfolioSection.WithStrategy(config), config.Replay.Workers, db);
            manifest.Write(Path.Combine(dir, "replay.manifest.json"));
            AnsiConsole.MarkupLine($"{manifest.Events:N0} events replayed into {Markup.Escape(db)} (table daily_factors)");
            if (last is not null)
            {
                var t = new Table().Title($"daily factors {last.Date:yyyy-MM-dd} (first 8 symbols)").AddColumn("symbol");
                int[] show = [FactorCatalog.BigorderAmtPerc, FactorCatalog.EarlyBigorderBuyPerc, FactorCatalog.EarlyActiveBigorderRet, FactorCatalog.DownVolPerc, FactorCatalog.CorrVolumeItem];
                foreach (int f in show) t.AddColumn(FactorCatalog.Names[f]);
                for (int i = 0; i < Math.Min(8, last.Symbols.Length); i++)
                    t.AddRow([last.Symbols[i].ToString(), .. show.Select(f => double.IsNaN(last.Row(i)[f]) ? "NaN" : last.Row(i)[f].ToString("G6"))]);
                AnsiConsole.Write(t);
            }
            AnsiConsole.Write(new Rule("[bold]2a. daily-only replay (read symbol by symbol) → the same daily rows[/]").LeftJustified());
            DemoDailySection.Run(config, store, db, dir);
            AnsiConsole.Write(new Rule("[bold]2b. evaluate the daily factors → report.html[/]").LeftJustified());
            DemoEvaluateSection.Run(db, store.Dates, dir);
            AnsiConsole.Write(new Rule("[bold]2c. index enhancement: the replay's optimizer stage targets + a backtest on the feature store[/]").LeftJustified());
            DemoPortfolioSection.Run(config, db, store.Dates, dir);
            AnsiConsole.Write(new Rule("[bold]2d. models: train HF GRU + LF → inference in the replay (sig.signals.*) → evaluate[/]").LeftJustified());
            manifest = DemoModelsSection.Run(config, store, db, dir);
            AnsiConsole.Write(new Rule("[bold]3. live: feed → NATS (SIG_MD) → live engine → journal → outputs on NATS[/]").LeftJustified());
            DemoLiveSection.Run(config, store, dir);
            Console.WriteLine($"output digest: {manifest.OutputDigest}");
            return 0;
        });
        return cmd;
    }
}
