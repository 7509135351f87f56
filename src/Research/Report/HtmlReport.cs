using System.Globalization;
using System.Net;
using System.Text;

namespace Sig.Research.Report;

/// <summary>
/// `engine report`: one self-contained HTML file from the files of `engine evaluate` — the
/// summary table, cumulative RankIC of every factor, TOP net value against the benchmark,
/// each factor's group net values relative to the benchmark, and the correlation heatmap.
/// Charts are inline SVG; there is no script, and nothing is loaded from elsewhere.
/// A period's return is plotted at its rebalance date T (it is earned T+1 → T+6).
/// Given the files of `engine backtest`, it adds the index-enhancement section (metrics per
/// turnover cap and the benchmark, yearly returns, NAV and cumulative excess return charts).
/// </summary>
public static partial class HtmlReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Writes the report of the evaluation in <paramref name="inDir"/> and, when given, the
    /// backtest in <paramref name="backtestDir"/> (either may be null, not both) to
    /// <paramref name="outPath"/>; returns the number of charts.
    /// </summary>
    public static int Write(string? inDir, string outPath, string? backtestDir = null)
    {
        if (inDir is null && backtestDir is null) throw new ArgumentException("a report needs an evaluation directory, a backtest directory, or both");
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(inDir is null ? "Index enhancement backtest" : "Factor evaluation").Append("</title><style>")
            .Append("body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:13px}")
            .Append("th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f0f0f0}td:first-child{text-align:left}")
            .Append(".grid{display:flex;flex-wrap:wrap;gap:8px}svg image{image-rendering:pixelated}.chart{margin:8px 0}h2{margin-top:32px}")
            .Append("</style></head><body>\n");
        int charts = 0;
        void Chart(string svg, string cls = "chart") { html.Append("<div class=\"").Append(cls).Append("\">").Append(StripXmlHeader(svg)).Append("</div>\n"); charts++; }
        if (inDir is not null) AppendEvaluation(html, inDir, (svg, cls) => Chart(svg, cls));
        if (backtestDir is not null) AppendBacktest(html, backtestDir, svg => Chart(svg));
        html.Append("</body></html>\n");
        File.WriteAllText(outPath, html.ToString());
        return charts;
    }

    private static void AppendEvaluation(StringBuilder html, string inDir, Action<string, string> addChart)
    {
        void Chart(string svg, string cls = "chart") => addChart(svg, cls);
        var summary = ReadCsv(inDir, "ic_summary.csv");
        var series = ReadCsv(inDir, "ic_series.csv");
        var layers = ReadCsv(inDir, "layers.csv");
        var correlation = ReadCsv(inDir, "correlation.csv");
        var factors = summary.Rows.Select(r => r[0]).ToList();
        var direction = summary.Rows.ToDictionary(r => r[0], r => int.Parse(r[1], Inv));

        html.Append("<h1>Single-factor and layered tests</h1>\n");
        var dates = series.Rows.Select(r => r[0]).Distinct().Order(StringComparer.Ordinal).ToArray();
        html.Append(CultureInfo.InvariantCulture, $"<p>{factors.Count} factor(s), {dates.Length} weekly rebalance date(s) {E(dates.FirstOrDefault() ?? "")} … {E(dates.LastOrDefault() ?? "")}; RankIC against the T+1 → T+6 VWAP return; groups by the preprocessed factor (group 1 = highest); TOP = group 1 for direction +1, the last group for −1; benchmark = equal-weight research universe; no costs.</p>\n");

        html.Append("<h2>Summary</h2>\n<table><tr>");
        foreach (var h in summary.Header) html.Append("<th>").Append(E(h)).Append("</th>");
        html.Append("</tr>\n");
        foreach (var row in summary.Rows)
        {
            html.Append("<tr>");
            for (int i = 0; i < row.Length; i++)
                html.Append("<td>").Append(E(i >= 2 && i < row.Length - 1 && double.TryParse(row[i], Inv, out double v) ? v.ToString("0.0000", Inv) : row[i])).Append("</td>");
            html.Append("</tr>\n");
        }
        html.Append("</table>\n");

        var chartDates = dates.Select(d => DateOnly.ParseExact(d, "yyyy-MM-dd", Inv)).ToArray();
        var cumIc = factors.Select(f =>
        {
            var byDate = series.Rows.Where(r => r[1] == f).ToDictionary(r => r[0], r => double.TryParse(r[2], Inv, out double v) ? v : 0.0);
            double acc = 0;
            return (f, dates.Select(d => acc += byDate.GetValueOrDefault(d)).ToArray());
        }).ToList();
        html.Append("<h2>Cumulative RankIC</h2>\n");
        Chart(ChartSvg.Lines("Cumulative RankIC per factor", "Σ RankIC", chartDates, cumIc, reference: 0, width: 1200, height: 560));

        var layerDates = layers.Rows.Select(r => r[0]).Distinct().Order(StringComparer.Ordinal).ToArray();
        var layerChartDates = layerDates.Select(d => DateOnly.ParseExact(d, "yyyy-MM-dd", Inv)).ToArray();
        if (layerDates.Length > 0)
        {
            var top = new List<(string, double[])>();
            double[]? bench = null;
            foreach (var f in factors)
            {
                var rows = layers.Rows.Where(r => r[1] == f).ToList();
                if (rows.Count == 0) continue;
                int groups = rows.Max(r => int.Parse(r[2], Inv));
                int topGroup = direction[f] >= 0 ? 1 : groups;
                top.Add((f, NetValue(layerDates, rows.Where(r => int.Parse(r[2], Inv) == topGroup).ToDictionary(r => r[0], r => P(r[3])))));
                bench ??= NetValue(layerDates, rows.Where(r => r[2] == "1").ToDictionary(r => r[0], r => P(r[4])));
            }
            if (bench is not null) top.Add(("benchmark", bench));
            html.Append("<h2>TOP group net value</h2>\n");
            Chart(ChartSvg.Lines("TOP group net value (and the equal-weight benchmark)", "net value", layerChartDates, top, reference: 1, width: 1200, height: 560));

            html.Append("<h2>Group net value relative to the benchmark</h2>\n<div class=\"grid\">\n");
            foreach (var f in factors)
            {
                var rows = layers.Rows.Where(r => r[1] == f).ToList();
                if (rows.Count == 0) continue;
                var benchNv = NetValue(layerDates, rows.Where(r => r[2] == "1").ToDictionary(r => r[0], r => P(r[4])));
                var lines = rows.Select(r => int.Parse(r[2], Inv)).Distinct().Order().Select(g =>
                {
                    var nv = NetValue(layerDates, rows.Where(r => int.Parse(r[2], Inv) == g).ToDictionary(r => r[0], r => P(r[3])));
                    return ($"group {g}", nv.Select((v, i) => v / benchNv[i]).ToArray());
                }).ToList();
                Chart(ChartSvg.Lines($"{f} (direction {direction[f]:+0;-0})", "relative net value", layerChartDates, lines, reference: 1, width: 640, height: 320), "chart small");
            }
            html.Append("</div>\n");
        }

        var names = correlation.Header.Skip(1).ToList();
        var m = new double[names.Count, names.Count];
        for (int i = 0; i < names.Count; i++)
            for (int j = 0; j < names.Count; j++) m[i, j] = P(correlation.Rows[i][j + 1]);
        html.Append("<h2>Factor correlation (mean cross-sectional Spearman)</h2>\n");
        Chart(ChartSvg.Heatmap("Factor correlation", names, m, size: Math.Max(500, 34 * names.Count + 260)));
    }

    /// <summary>Net value at each date: Π(1 + r) through it (a date without a value adds nothing).</summary>
    private static double[] NetValue(string[] dates, Dictionary<string, double> returns)
    {
        double nv = 1;
        return [.. dates.Select(d => nv *= 1 + (returns.TryGetValue(d, out double r) && double.IsFinite(r) ? r : 0))];
    }

    private static double P(string s) => double.TryParse(s, Inv, out double v) ? v : double.NaN;

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static string StripXmlHeader(string svg)
    {
        int at = svg.IndexOf("<svg", StringComparison.Ordinal);
        return at > 0 ? svg[at..] : svg;
    }

    private sealed record Csv(string[] Header, List<string[]> Rows);

    private static Csv ReadCsv(string dir, string name, string writer = "evaluate")
    {
        string path = Path.Combine(dir, name);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: missing (run `engine {writer} --out {dir}` first)");
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"{path}: empty file (expected a header line)");
        var header = lines[0].Split(',');
        var rows = new List<string[]>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var cells = lines[i].Split(',');
            if (cells.Length != header.Length) throw new InvalidDataException($"{path}:{i + 1}: {cells.Length} fields, the header has {header.Length}");
            rows.Add(cells);
        }
        return new Csv(header, rows);
    }
}
