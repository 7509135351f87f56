using System.Globalization;
using Sig.Engine.Config;
using Sig.Engine.Text;
using Sig.Data.Features;

namespace Sig.Engine.Host.Commands;

/// <summary>`engine bars --daily`: the feature store's adjusted daily bars (or weekly/monthly ones derived from them) as CSV.</summary>
internal static class DailyBarsExport
{
    public const string DailyHeader = "date,symbol,open,high,low,close,volume,amount,vwap,turnover,free_turnover,total_cap,float_cap,adj_factor";
    public const string PeriodHeader = "start,end,symbol,open,high,low,close,volume,amount,vwap,days";

    /// <summary>The feature store of a path: the file itself, or <c>features.db</c> in the directory.</summary>
    public static string DatabaseOf(string path)
    {
        string db = Directory.Exists(path) ? Path.Combine(path, "features.db") : path;
        return File.Exists(db) ? db : throw new FileNotFoundException($"{db}: no feature store (run `engine replay` first)");
    }

    public static int Run(string store, string period, DateOnly from, DateOnly to, string outPath, FeaturesOptions? features = null)
    {
        var kind = period switch
        {
            "day" => BarPeriod.Day, "week" => BarPeriod.Week, "month" => BarPeriod.Month,
            _ => throw new ArgumentException($"--period '{period}': expected day, week or month"),
        };
        using var fs = DailyFeatureStore.Open(DatabaseOf(store), features);
        var panel = fs.ReadPanel(from, to, factors: []);
        using var w = new StreamWriter(outPath);
        int rows = 0;
        static string R(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
        if (kind == BarPeriod.Day)
        {
            w.Write(DailyHeader + "\n");
            for (int d = 0; d < panel.Dates.Length; d++)
                for (int s = 0; s < panel.Symbols.Length; s++)
                {
                    int c = panel.Cell(d, s);
                    if (double.IsNaN(panel.Close[c])) continue;
                    w.Write($"{CanonicalRows.FormatDate(panel.Dates[d])},{panel.Symbols[s]},{R(panel.Open[c])},{R(panel.High[c])},{R(panel.Low[c])},{R(panel.Close[c])},{R(panel.Volume[c])},{R(panel.Amount[c])},{R(panel.Vwap[c])},{R(panel.Turnover[c])},{R(panel.FreeTurnover[c])},{R(panel.TotalCap[c])},{R(panel.FloatCap[c])},{R(panel.AdjFactor[c])}\n");
                    rows++;
                }
        }
        else
        {
            w.Write(PeriodHeader + "\n");
            foreach (var b in PeriodBars.Aggregate(panel, kind))
            {
                w.Write($"{CanonicalRows.FormatDate(b.Start)},{CanonicalRows.FormatDate(b.End)},{panel.Symbols[b.Symbol]},{R(b.Open)},{R(b.High)},{R(b.Low)},{R(b.Close)},{R(b.Volume)},{R(b.Amount)},{R(b.Vwap)},{b.Days}\n");
                rows++;
            }
        }
        Console.WriteLine($"{rows} {period} bars ({panel.Dates.Length} trading days, {panel.Symbols.Length} symbols) → {outPath}");
        return 0;
    }
}
