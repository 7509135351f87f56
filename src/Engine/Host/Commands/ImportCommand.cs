using System.CommandLine;
using Sig.Engine.Text;
using Sig.Replay.Csv;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>`engine import`: canonical CSVs (plain or gzip) into the tick store, with a reject report.</summary>
public sealed class ImportCommand : ICliCommand
{
    public Command Build()
    {
        var trades = new Option<string?>("--trades") { Description = "trades.csv or trades.csv.gz" };
        var orders = new Option<string?>("--orders") { Description = "orders.csv or orders.csv.gz" };
        var reference = new Option<string>("--reference") { Description = "reference.csv or reference.csv.gz", Required = true };
        var store = new Option<string>("--store") { Description = "Tick store directory (one YYYY-MM-DD.tick file per date)", Required = true };
        var allow = new Option<bool>("--allow-rejects") { Description = "Import the good rows even when some rows are rejected" };
        var replace = new Option<bool>("--replace") { Description = "Replace days already in the store (without it, an import that would touch a stored day writes nothing)" };
        var cmd = new Command("import", "Import canonical trades/orders and/or SZSE/SSE vendor CSVs with the reference CSV into the tick store, one store day per date");
        foreach (var o in new Option[] { trades, orders, reference, store, allow, replace }) cmd.Options.Add(o);
        var exchangeOptions = new ExchangeImportOptions();
        exchangeOptions.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var exchange = exchangeOptions.Parse(parse);
            if (exchange is null && parse.GetValue(trades) is null && parse.GetValue(orders) is null)
                throw new ArgumentException("no events to import: give --trades/--orders and/or exchange files (--szse-orders, --szse-trades, --sse-orders, --sse-trades, --sse-tick)");
            var options = new ImportOptions { AllowRejects = parse.GetValue(allow), Replace = parse.GetValue(replace), Exchange = exchange };
            ImportResult result = null!;
            var started = System.Diagnostics.Stopwatch.StartNew();
            AnsiConsole.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask("importing", maxValue: 1);
                options = options with { Progress = new Progress<(string Phase, double Fraction)>(p => { task.Description = p.Phase; task.Value = p.Fraction; }) };
                result = CsvImporter.ImportIntoStore(parse.GetValue(trades), parse.GetValue(orders), parse.GetValue(reference)!, parse.GetValue(store)!, options);
                task.Value = 1;
            });
            if (exchange is not null) ExchangeImportOptions.Print(exchange);
            Print(result, started.Elapsed);
            return result.Success ? 0 : 2;
        });
        return cmd;
    }

    private static void Print(ImportResult r, TimeSpan elapsed)
    {
        var files = new Table().Title("input").AddColumns("file", "rows", "accepted", "skipped after hours", "rejected");
        foreach (var f in r.Files)
            files.AddRow(Markup.Escape(f.Path), $"{f.Rows:N0}", $"{f.Accepted:N0}", $"{f.SkippedAfterHours:N0}", f.Rejected == 0 ? "0" : $"[red]{f.Rejected:N0}[/]");
        AnsiConsole.Write(files);

        if (r.TotalRejects > 0)
        {
            var reasons = new Table().Title("rejects by reason").AddColumns("file", "reason", "count", "first lines");
            foreach (var f in r.Files)
                foreach (var (reason, count) in f.Counts())
                {
                    var lines = string.Join(", ", f.Samples.Where(s => s.Reason == reason).Select(s => s.Line));
                    reasons.AddRow(Markup.Escape(Path.GetFileName(f.Path)), reason.Describe(), $"{count:N0}", lines);
                }
            AnsiConsole.Write(reasons);
            var samples = new Table().Title("first rejected rows (up to 20 per file)").AddColumns("file", "line", "reason", "row");
            foreach (var f in r.Files)
                foreach (var s in f.Samples)
                    samples.AddRow(Markup.Escape(s.File), s.Line.ToString(), Markup.Escape(s.Detail), Markup.Escape(s.Text));
            AnsiConsole.Write(samples);
        }

        AnsiConsole.MarkupLine($"seq gaps: {r.SeqGaps:N0} in {r.SymbolDaysWithGaps:N0} of {r.SymbolDays:N0} symbol-days; after-hours prints skipped: {r.SkippedAfterHours:N0}");
        if (r.TopGaps.Count > 0)
            AnsiConsole.MarkupLine("most gaps: " + string.Join(", ", r.TopGaps.Select(g => $"{g.Date:yyyy-MM-dd} {g.Symbol} ({g.Gaps})")));
        if (r.Success)
        {
            foreach (var d in r.Days)
                AnsiConsole.MarkupLine($"wrote {d.Date:yyyy-MM-dd}: {d.Events:N0} events, {d.References:N0} reference rows{(d.Replaced ? " [yellow](replaced the stored day)[/]" : " (new)")}");
            AnsiConsole.MarkupLine($"[green]imported[/] {r.EventsWritten:N0} events and {r.ReferencesWritten:N0} reference rows over {r.Dates.Count} day(s) in {elapsed.TotalSeconds:F1}s");
        }
        else
            Cli.Error($"import failed: {r.Error}");
    }
}
