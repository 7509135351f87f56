using System.CommandLine;
using Sig.Engine.Events;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Engine.Text;
using Sig.Replay.Store;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine bars`: the 240 minute bars of every symbol with at least one fill, built by the
/// engine's own intraday state; empty bars carry the previous close (docs/factors.md). With
/// <c>--daily</c> (or <c>--period week|month</c>): the adjusted daily bars the pipeline wrote into the
/// feature store (<c>--store</c> is then the directory of <c>features.db</c>, or the file), or the
/// weekly/monthly bars derived from them.
/// </summary>
public sealed class BarsCommand : ICliCommand
{
    public Command Build()
    {
        var store = new Option<DirectoryInfo>("--store") { Description = "Tick store directory", Required = true };
        var date = new Option<string?>("--date") { Description = "Trading date (YYYY-MM-DD) of the minute bars" };
        var output = new Option<FileInfo>("--out") { Description = "CSV to write", Required = true };
        var daily = new Option<bool>("--daily") { Description = "Adjusted daily bars from the feature store instead of minute bars" };
        var period = new Option<string?>("--period") { Description = "With the feature store: day (default), week or month" };
        var from = new Option<string?>("--from") { Description = "First date of --daily (YYYY-MM-DD)" };
        var to = new Option<string?>("--to") { Description = "Last date of --daily (YYYY-MM-DD)" };
        var cmd = new Command("bars", "Write minute bars (date,symbol,minute,open,high,low,close,volume,amount,n) or, with --daily, adjusted daily/weekly/monthly bars")
        {
            store, date, output, daily, period, from, to,
        };
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            if (parse.GetValue(daily) || parse.GetValue(period) is not null)
                return DailyBarsExport.Run(parse.GetValue(store)!.FullName, parse.GetValue(period) ?? "day",
                    Cli.ParseDate(parse.GetValue(from) ?? throw new ArgumentException("--daily needs --from"), "--from"),
                    Cli.ParseDate(parse.GetValue(to) ?? throw new ArgumentException("--daily needs --to"), "--to"), parse.GetValue(output)!.FullName, config.Features);
            var d = Cli.ParseDate(parse.GetValue(date) ?? throw new ArgumentException("bars needs --date (or --daily)"), "--date");
            using var day = TickStore.Open(parse.GetValue(store)!.FullName).OpenDay(d);
            using var file = new AtomicFile(parse.GetValue(output)!.FullName);
            using var w = new StreamWriter(file.TempPath);
            w.Write("date,symbol,minute,open,high,low,close,volume,amount,n\n");
            string ds = CanonicalRows.FormatDate(d);
            int written = 0;
            var state = new Sig.Factors.Intraday.SymbolDayState(default, config.BigOrder.ClassifyBy);
            var chunk = new TickEvent[4096];
            for (int i = 0; i < day.SymbolCount; i++)
            {
                state.Reset(day.Symbol(i));
                for (int at = 0, count = day.EventCount(i); at < count; at += chunk.Length)
                {
                    int len = Math.Min(chunk.Length, count - at);
                    day.ReadEvents(i, at, chunk.AsSpan(0, len));
                    state.Apply(chunk.AsSpan(0, len));
                }
                var b = state.Bars;
                if (b.Fills == 0) continue;
                long prev = b.FirstPrice;
                for (int m = 1; m <= 240; m++)
                {
                    var (o, h, l, c) = b.PricesOf(m, prev);
                    w.Write($"{ds},{state.Symbol},{m},{FixedPrice.Format(o)},{FixedPrice.Format(h)},{FixedPrice.Format(l)},{FixedPrice.Format(c)},{b[m].Volume},{FixedPrice.Format(b[m].Amount)},{b[m].Count}\n");
                    prev = c;
                }
                written++;
            }
            w.Dispose();
            file.Commit(); // only a complete file replaces the output: a corrupt block above leaves none
            Console.WriteLine($"{written} symbols × 240 bars → {parse.GetValue(output)!.FullName}");
            return 0;
        });
        return cmd;
    }
}
