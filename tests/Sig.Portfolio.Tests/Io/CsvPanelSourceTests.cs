using Sig.Portfolio.Io;
using Sig.Portfolio.Synthetic;

namespace Sig.Portfolio.Tests.Io;

public class CsvPanelSourceTests
{
    [Fact]
    public void Written_panel_reads_back_equal()
    {
        using var dir = new TempDir();
        var p = SyntheticMarket.Generate(60, 40, seed: 5);
        var score = SyntheticMarket.ForwardScore(p, 5, 0.5, 3);
        PortfolioCsv.WritePanel(dir.Path, p, "csi500", [("s", score)]);
        var source = new CsvPanelSource(dir.Path);
        var q = source.LoadPanel(p.Dates[^1], "csi500");
        // Symbols come back in ordinal order; map them.
        var index = q.Symbols.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i);
        var back = source.LoadScore(q, "s");
        Assert.Equal(p.Dates, q.Dates);
        for (int d = 0; d < p.Days; d++)
            for (int i = 0; i < p.Stocks; i++)
            {
                long a = (long)d * p.Stocks + i;
                if (!p.Listed[a]) { Assert.False(index.ContainsKey(p.Symbols[i]) && q.Listed[(long)d * q.Stocks + index[p.Symbols[i]]]); continue; }
                long b = (long)d * q.Stocks + index[p.Symbols[i]];
                Assert.True(q.Listed[b]);
                Assert.Equal(p.Close[a], q.Close[b]);
                Assert.Equal(p.Vwap[a], q.Vwap[b]);
                Assert.Equal(p.Low[a], q.Low[b]);
                Assert.Equal(p.LimitUp[a], q.LimitUp[b]);
                Assert.Equal(p.BenchmarkWeight[a], q.BenchmarkWeight[b]);
                Assert.Equal(p.Size[a], q.Size[b]);
                Assert.Equal(p.ListedDays[a], q.ListedDays[b]);
                Assert.Equal(p.IsSt[a], q.IsSt[b]);
                Assert.Equal(p.IndustryNames[p.Industry[a]], q.IndustryNames[q.Industry[b]]);
                Assert.Equal(score[a], back[b]);
            }
    }

    [Fact]
    public void Bad_rows_name_file_line_and_reason()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("daily.csv"),
            "date,symbol,open,high,low,close,vwap,limit_up,limit_down,adj_factor,is_st,industry,size,csi500_weight\n" +
            "2024-01-02,600000.SH,10,10.5,9.9,10.2,10.1,11,9,1,0,bank,0.3,0.01\n" +
            "2024-01-02,600001.SH,10,10.5,9.9,x,10.1,11,9,1,0,bank,0.3,0.01\n");
        var source = new CsvPanelSource(dir.Path);
        var ex = Assert.Throws<InvalidDataException>(() => source.LoadPanel(new DateOnly(2024, 1, 2), "csi500"));
        Assert.Contains("daily.csv: line 3: close 'x' is not a number", ex.Message);
        var missing = Assert.Throws<InvalidDataException>(() => source.LoadPanel(new DateOnly(2024, 1, 2), "csi1000"));
        Assert.Contains("no column 'csi1000_weight'", missing.Message);
        File.WriteAllText(dir.File("daily.csv"),
            "date,symbol,open,high,low,close,vwap,limit_up,limit_down,adj_factor,is_st,industry,size,csi500_weight\n" +
            "2024-01-02,600000.SH,10,,9.9,10.2,10.1,11,9,1,0,bank,0.3,0.01\n");
        var partial = Assert.Throws<InvalidDataException>(() => new CsvPanelSource(dir.Path).LoadPanel(new DateOnly(2024, 1, 2), "csi500"));
        Assert.Contains("line 2: a bar needs", partial.Message);
    }
}
