using System.CommandLine;
using Sig.Engine.Events;
using Sig.Replay.Csv;
using Sig.Replay.Store;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>`engine export`: one store day back to canonical CSVs (re-importing them gives the same rows).</summary>
public sealed class ExportCommand : ICliCommand
{
    public Command Build()
    {
        var store = new Option<string>("--store") { Description = "Tick store directory", Required = true };
        var date = new Option<string>("--date") { Description = "Trading date YYYY-MM-DD", Required = true };
        var output = new Option<string>("--out") { Description = "Directory for trades.csv, orders.csv, reference.csv", Required = true };
        var gzip = new Option<bool>("--gzip") { Description = "Write .csv.gz files" };
        var cmd = new Command("export", "Export one day of the tick store as canonical CSVs");
        foreach (var o in new Option[] { store, date, output, gzip }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var day = Cli.ParseDate(parse.GetValue(date)!, "--date");
            string outDir = parse.GetValue(output)!;
            long events = 0;
            AnsiConsole.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask($"exporting {day:yyyy-MM-dd}", maxValue: 1);
                using var tickDay = TickStore.Open(parse.GetValue(store)!).OpenDay(day);
                using var csv = new CanonicalCsvWriter(outDir, parse.GetValue(gzip));
                using var writer = csv.BeginDay(day, tickDay.Schema, tickDay.References);
                var buffer = new TickEvent[4096];
                for (int i = 0; i < tickDay.SymbolCount; i++)
                {
                    int n = tickDay.EventCount(i);
                    if (n > buffer.Length) buffer = new TickEvent[Math.Max(n, buffer.Length * 2)];
                    tickDay.ReadEvents(i, buffer);
                    writer.WriteSymbol(tickDay.Symbol(i), buffer.AsSpan(0, n));
                    events += n;
                    task.Value = (i + 1.0) / tickDay.SymbolCount;
                }
                writer.Commit();
            });
            AnsiConsole.MarkupLine($"exported {events:N0} events of {day:yyyy-MM-dd} to {Markup.Escape(Path.GetFullPath(outDir))}");
            return 0;
        });
        return cmd;
    }
}
