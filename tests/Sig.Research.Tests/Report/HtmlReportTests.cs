using System.Diagnostics;
using System.Text.RegularExpressions;
using Sig.Engine.Host;
using Sig.Engine.Host.Commands;
using Sig.Research.Evaluation;
using Sig.Research.Report;
using Sig.Research.Tests.Evaluation;
using Xunit;
using Xunit.Abstractions;

namespace Sig.Research.Tests.Report;

[Collection(SixtyDayCollection.Name)]
public partial class HtmlReportTests(SixtyDayMarket market, ITestOutputHelper log)
{
    private static readonly string[] ChromiumFlags =
        ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--enable-logging=stderr", "--v=0"];

    private static (string Stdout, string Stderr) Chromium(string profile, params string[] args)
    {
        string exe = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("chromium is not installed (scripts/dev deps installs it)");
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in ChromiumFlags.Append($"--user-data-dir={profile}").Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("chromium did not finish within 120 s"); }
        return (stdout.Result, stderr.Result);
    }

    [GeneratedRegex("<svg[\\s\\S]*?</svg>")]
    private static partial Regex Svg();

    [GeneratedRegex("<path[^>]*stroke-width=\"(1\\.5|3)\"[^>]*d=\"M[-0-9. ]+L[-0-9. ]+L")]
    private static partial Regex SeriesPath();

    [GeneratedRegex("<image[^>]*href=\"data:image/png;base64,")]
    private static partial Regex InlineImage();

    /// <summary>`engine backtest` on the shared store: two turnover caps against CSI500.</summary>
    private string Backtest()
    {
        string dir = Path.Combine(market.Root, "report-backtest");
        int rc = Cli.Run(["backtest", "--store", market.Root, "--from", market.Dates[20].ToString("yyyy-MM-dd"), "--to", market.Dates[^1].ToString("yyyy-MM-dd"),
            "--score", "early_bigorder_buy_perc", "--benchmark", "csi500", "--turnover", "0.3,0.5", "--out", dir]);
        Assert.Equal(0, rc);
        return dir;
    }

    [Fact]
    public void Backtest_only_report_has_the_enhancement_tables_and_charts_and_a_missing_file_is_named()
    {
        string bt = Backtest();
        string html = Path.Combine(market.Root, "report-backtest-only.html");
        Assert.Equal(2, HtmlReport.Write(null, html, bt));
        string text = File.ReadAllText(html);
        Assert.DoesNotContain("Single-factor", text);
        // Every metrics row (two caps and the benchmark) and every yearly row is in the tables, numbers formatted.
        var metrics = File.ReadAllLines(Path.Combine(bt, "metrics.csv")).Skip(1).Select(l => l.Split(',')[0]).ToList();
        Assert.Equal(3, metrics.Count);
        Assert.All(metrics, m => Assert.Contains($"<tr><td>{System.Net.WebUtility.HtmlEncode(m)}</td>", text));
        Assert.Equal(File.ReadAllLines(Path.Combine(bt, "yearly.csv")).Length - 1, Regex.Matches(text, "<tr><td>20[0-9][0-9]</td>").Count);
        Assert.Contains("benchmark csi500", text);
        Assert.Contains("score early_bigorder_buy_perc", text);
        Assert.Contains("%</td>", text);
        Assert.Throws<ArgumentException>(() => HtmlReport.Write(null, html, null));
        string broken = Path.Combine(market.Root, "report-backtest-broken");
        Directory.CreateDirectory(broken);
        File.Copy(Path.Combine(bt, "metrics.csv"), Path.Combine(broken, "metrics.csv"), overwrite: true);
        var ex = Assert.Throws<FileNotFoundException>(() => HtmlReport.Write(null, html, broken));
        Assert.Contains("yearly.csv", ex.Message);
        Assert.Contains("engine backtest", ex.Message);
    }

    [Fact]
    public void Report_renders_in_headless_chromium_with_every_chart_plotted_and_no_console_errors()
    {
        string dir = Path.Combine(market.Root, "report-eval");
        EvaluateCommand.Run(market.Db, market.Dates[0], market.Dates[^1], "all", null, new EvaluationOptions(), keepRows: false).Write(dir, panelCsv: false);
        string html = Path.Combine(market.Root, "report.html");
        int charts = HtmlReport.Write(dir, html, Backtest());
        Assert.Equal(2 + 27 + 1 + 2, charts);
        string text = File.ReadAllText(html);
        Assert.DoesNotContain("<script", text);
        Assert.DoesNotContain("http://", text.Replace("http://www.w3.org/", ""));
        Assert.DoesNotContain("https://", text);

        string profile = Path.Combine(market.Root, "chromium-profile");
        var (dom, stderr) = Chromium(profile, "--dump-dom", "file://" + html);
        var svgs = Svg().Matches(dom).Select(m => m.Value).ToList();
        Assert.Equal(charts, svgs.Count);
        for (int i = 0; i < svgs.Count; i++)
            Assert.True(SeriesPath().IsMatch(svgs[i]) || InlineImage().IsMatch(svgs[i]), $"chart {i + 1} has nothing plotted");
        // The enhancement section is rendered: its tables and both charts, the excess chart last.
        foreach (var id in new[] { "enhancement", "enhancement-metrics", "enhancement-yearly", "enhancement-nav", "enhancement-excess" })
            Assert.Contains($"id=\"{id}\"", dom);
        Assert.Contains("annual_excess_return</th>", dom);
        Assert.Contains("Cumulative excess return", svgs[^1]);
        Assert.Contains("tau=0.30", svgs[^1]);
        Assert.Contains("benchmark", svgs[^2]);
        Assert.DoesNotContain("CONSOLE", stderr);
        Assert.DoesNotContain("Uncaught", stderr);

        string png = Path.Combine(AppContext.BaseDirectory, "report-screenshot.png");
        File.Delete(png);
        Chromium(profile, "--window-size=1400,2600", "--screenshot=" + png, "file://" + html);
        Assert.True(new FileInfo(png).Length > 10_000, "the screenshot is missing or blank");
        log.WriteLine($"screenshot: {png}");
    }
}
