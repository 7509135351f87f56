using System.Globalization;
using Xunit;
using Sig.Portfolio.Io;
using Sig.Portfolio.Synthetic;

namespace Sig.Engine.Tests.Host;

/// <summary>Runs the portfolio CLI tests alone, so their child processes do not load the machine under the timing-sensitive live tests.</summary>
[CollectionDefinition("PortfolioCli", DisableParallelization = true)]
public sealed class PortfolioCliCollection;

/// <summary>`engine optimize` and `engine backtest` on a CSV panel directory, as a child process.</summary>
[Collection("PortfolioCli")]
public sealed class PortfolioCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sig-portfolio-cli-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private string Panel()
    {
        var p = SyntheticMarket.Generate(150, 45, seed: 9, benchmarkSize: 60);
        string dir = Path.Combine(_dir, "panel");
        PortfolioCsv.WritePanel(dir, p, "csi500", [("foresight", SyntheticMarket.ForwardScore(p, 5, 1, 1))]);
        return dir;
    }

    private static List<string[]> Csv(string path) => File.ReadAllLines(path).Select(l => l.Split(',')).ToList();

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public void Optimize_writes_weights_and_respects_the_turnover_cap_against_prev()
    {
        string panel = Panel();
        string first = Path.Combine(_dir, "w1.csv"), second = Path.Combine(_dir, "w2.csv"), lp = Path.Combine(_dir, "w2.lp");
        var (code, stdout, stderr) = EngineProcess.Run(Timeout, "optimize", "--store", panel, "--date", "2019-01-10", "--score", "foresight",
            "--benchmark", "csi500", "--out", first);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("status       optimal, relaxation none", stdout);
        var rows = Csv(first);
        Assert.Equal("symbol,weight,benchmark_weight,alpha,industry,size_exposure,prev_weight", string.Join(',', rows[0]));
        Assert.Equal(1, rows.Skip(1).Sum(r => D(r[1])), 9);
        Assert.Contains("\"solverVersion\": \"Clp 1.17.10\"", File.ReadAllText(Path.ChangeExtension(first, ".manifest.json")));

        (code, stdout, stderr) = EngineProcess.Run(Timeout, "optimize", "--store", panel, "--date", "2019-01-17", "--score", "foresight",
            "--turnover", "0.3", "--prev", first, "--out", second, "--lp", lp);
        Assert.True(code == 0, stdout + stderr);
        var next = Csv(second).Skip(1).ToList();
        double turnover = next.Sum(r => Math.Abs(D(r[1]) - D(r[6])));
        Assert.True(turnover <= 0.3 + 1e-9, $"turnover {turnover}");
        Assert.True(turnover > 0.29, $"cap not binding: {turnover}");
        Assert.StartsWith(@"\ enhancement LP 2019-01-17", File.ReadAllText(lp));
    }

    [Fact]
    public void Backtest_writes_the_tables_for_each_cap_and_the_benchmark()
    {
        string panel = Panel(), outDir = Path.Combine(_dir, "bt");
        var (code, stdout, stderr) = EngineProcess.Run(Timeout, "backtest", "--store", panel, "--from", "2019-01-02", "--to", "2019-03-05",
            "--score", "foresight", "--benchmark", "csi500", "--turnover", "0.3,none", "--out", outDir);
        Assert.True(code == 0, stdout + stderr);
        var metrics = Csv(Path.Combine(outDir, "metrics.csv"));
        Assert.Equal(["tau=0.30", "tau=none", "csi500"], metrics.Skip(1).Select(r => r[0]));
        Assert.Equal(12, metrics[0].Length);
        Assert.True(D(metrics[1][5]) > 0.2, "perfect foresight should beat the benchmark");
        Assert.Equal(2 * 45 + 1, File.ReadAllLines(Path.Combine(outDir, "nav.csv")).Length);
        Assert.Equal("year,portfolio,return,benchmark_return,excess_return", File.ReadLines(Path.Combine(outDir, "yearly.csv")).First());
        Assert.True(File.ReadAllLines(Path.Combine(outDir, "trades.csv")).Length > 100);
        Assert.Contains("tau=0.30", stdout);
    }

    [Fact]
    public void A_bad_panel_fails_with_file_and_line()
    {
        string dir = Path.Combine(_dir, "bad");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "daily.csv"),
            "date,symbol,open,high,low,close,vwap,limit_up,limit_down,adj_factor,is_st,industry,size,csi500_weight\n" +
            "2024-01-02,600000.SH,10,10.5,9.9,10.2,10.1,11,9,1,2,bank,0.3,0.01\n");
        var (code, _, stderr) = EngineProcess.Run(Timeout, "optimize", "--store", dir, "--date", "2024-01-02", "--score", "s", "--out", Path.Combine(dir, "w.csv"));
        Assert.Equal(1, code);
        // Errors are one line on stderr (Cli.Error).
        Assert.Contains("daily.csv: line 2: is_st '2' is not 0 or 1", stderr.Replace("\n", ""));
    }
}
