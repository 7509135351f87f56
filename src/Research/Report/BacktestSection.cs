using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sig.Research.Report;

public static partial class HtmlReport
{
    /// <summary>metrics.csv columns shown as percentages; the other numbers are ratios.</summary>
    private static readonly HashSet<string> PercentColumns = new(StringComparer.Ordinal)
    {
        "annual_return", "annual_volatility", "max_drawdown", "annual_excess_return", "tracking_error",
        "excess_max_drawdown", "monthly_win_rate", "turnover", "return", "benchmark_return", "excess_return",
    };

    /// <summary>
    /// The index-enhancement section from the files of `engine backtest` (docs/portfolio.md):
    /// the metrics table (one row per turnover cap plus the benchmark), yearly returns, the NAV
    /// of every portfolio against the benchmark, and the cumulative excess return Π(1 + r − r_b).
    /// </summary>
    private static void AppendBacktest(StringBuilder html, string dir, Action<string> chart)
    {
        var metrics = ReadCsv(dir, "metrics.csv", "backtest");
        var yearly = ReadCsv(dir, "yearly.csv", "backtest");
        var nav = ReadCsv(dir, "nav.csv", "backtest");
        html.Append("<h1 id=\"enhancement\">Index enhancement backtest</h1>\n");
        if (Inputs(dir) is { Count: > 0 } inputs)
            html.Append("<p>").Append(E(string.Join("; ", inputs.Select(kv => $"{kv.Key} {kv.Value}")))).Append(
                ". Targets at T's close, traded at T+1's VWAP; costs as configured (docs/portfolio.md).</p>\n");

        html.Append("<h2 id=\"enhancement-metrics\">Metrics per turnover cap and the benchmark</h2>\n");
        Table(html, metrics);
        html.Append("<h2 id=\"enhancement-yearly\">Yearly returns</h2>\n");
        Table(html, yearly);

        int date = Column(nav, "date", dir), portfolio = Column(nav, "portfolio", dir), value = Column(nav, "nav", dir),
            bench = Column(nav, "benchmark_nav", dir), excess = Column(nav, "excess_nav", dir);
        var dates = nav.Rows.Select(r => r[date]).Distinct().Order(StringComparer.Ordinal).ToArray();
        var chartDates = dates.Select(d => DateOnly.ParseExact(d, "yyyy-MM-dd", Inv)).ToArray();
        var names = nav.Rows.Select(r => r[portfolio]).Distinct().ToList();
        double[] Series(string name, int column)
        {
            var byDate = nav.Rows.Where(r => r[portfolio] == name).ToDictionary(r => r[date], r => P(r[column]));
            return [.. dates.Select(d => byDate.GetValueOrDefault(d, double.NaN))];
        }
        if (dates.Length == 0 || names.Count == 0) throw new InvalidDataException($"{Path.Combine(dir, "nav.csv")}: no rows");
        var navLines = names.Select(n => (n, Series(n, value))).Append(("benchmark", Series(names[0], bench))).ToList();
        html.Append("<h2 id=\"enhancement-nav\">Net value against the benchmark</h2>\n");
        chart(ChartSvg.Lines("Portfolio net value and the benchmark", "net value", chartDates, navLines, reference: 1, width: 1200, height: 480));
        html.Append("<h2 id=\"enhancement-excess\">Cumulative excess return</h2>\n");
        var excessLines = names.Select(n => (n, Series(n, excess).Select(x => x - 1).ToArray())).ToList();
        chart(ChartSvg.Lines("Cumulative excess return Π(1 + r − r_b) − 1", "excess return", chartDates, excessLines, reference: 0, width: 1200, height: 480));
    }

    private static void Table(StringBuilder html, Csv csv)
    {
        html.Append("<table><tr>");
        foreach (var h in csv.Header) html.Append("<th>").Append(E(h)).Append("</th>");
        html.Append("</tr>\n");
        foreach (var row in csv.Rows)
        {
            html.Append("<tr>");
            for (int i = 0; i < row.Length; i++)
            {
                string cell = row[i];
                if (i > 0 && csv.Header[i] != "portfolio" && double.TryParse(cell, NumberStyles.Float, Inv, out double v))
                    cell = PercentColumns.Contains(csv.Header[i]) ? v.ToString("0.00%", Inv) : v.ToString("0.00", Inv);
                html.Append("<td>").Append(E(cell)).Append("</td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</table>\n");
    }

    private static int Column(Csv csv, string name, string dir)
    {
        int i = Array.IndexOf(csv.Header, name);
        return i >= 0 ? i : throw new InvalidDataException($"{Path.Combine(dir, "nav.csv")}: no column '{name}' (header: {string.Join(',', csv.Header)})");
    }

    /// <summary>The backtest's inputs from its manifest.json (score, benchmark, dates …), when it is there.</summary>
    private static SortedDictionary<string, string>? Inputs(string dir)
    {
        string path = Path.Combine(dir, "manifest.json");
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (!doc.RootElement.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Object) return null;
            var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in inputs.EnumerateObject())
                if (p.Name is not "store") result[p.Name] = p.Value.ToString();
            if (doc.RootElement.TryGetProperty("solver", out var solver)) result["solver"] = $"{solver} {doc.RootElement.GetProperty("solverVersion")}";
            return result;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: not a backtest manifest ({ex.Message})", ex);
        }
    }
}
