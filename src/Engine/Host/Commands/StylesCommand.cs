using System.CommandLine;
using Sig.Engine.Config;
using Sig.Data.Features;
using Sig.Research.Daily;

namespace Sig.Engine.Host.Commands;

/// <summary>`engine styles`: computes the style exposures of each trading date in a range from the store's daily data and stores them (table daily_styles).</summary>
public sealed class StylesCommand : ICliCommand
{
    public Command Build()
    {
        var store = new Option<DirectoryInfo>("--store") { Description = "Directory of features.db (or the file)", Required = true };
        var from = new Option<string>("--from") { Description = "First date (YYYY-MM-DD)", Required = true };
        var to = new Option<string>("--to") { Description = "Last date (YYYY-MM-DD)", Required = true };
        var cmd = new Command("styles", "Compute and store the style exposures (size, beta, momentum, …) of every date") { store, from, to };
        cmd.SetAction(parse =>
        {
            int n = Run(DailyBarsExport.DatabaseOf(parse.GetValue(store)!.FullName), Cli.ParseDate(parse.GetValue(from)!, "--from"), Cli.ParseDate(parse.GetValue(to)!, "--to"),
                Cli.LoadConfig(parse).Features);
            Console.WriteLine($"styles of {n} date(s) stored (table daily_styles)");
            return 0;
        });
        return cmd;
    }

    /// <summary>Computes and stores the styles of every trading date in [from, to]; returns the number of dates.</summary>
    public static int Run(string db, DateOnly from, DateOnly to, FeaturesOptions? features = null)
    {
        using var fs = DailyFeatureStore.Open(db, features);
        var calendar = fs.TradingDates;
        var dates = calendar.Where(d => d >= from && d <= to).ToList();
        if (dates.Count == 0) throw new ArgumentException($"{db}: no trading dates between {from:yyyy-MM-dd} and {to:yyyy-MM-dd}");
        int first = Math.Max(0, calendar.ToList().IndexOf(dates[0]) - StyleModel.HistoryDays);
        var panel = fs.ReadPanel(calendar[first], dates[^1], factors: []);
        foreach (var date in dates)
        {
            int d = panel.DateIndex(date);
            fs.Store.WriteStyles(date, panel.Symbols, StyleModel.Names, StyleModel.Compute(panel, d));
        }
        return dates.Count;
    }
}
