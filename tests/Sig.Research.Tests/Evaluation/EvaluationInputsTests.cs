using Sig.Data.Tests.Features;
using Sig.Factors;
using Sig.Research.Evaluation;
using Xunit;

namespace Sig.Research.Tests.Evaluation;

/// <summary>What a factor test reads, through an in-memory <c>IDailyFeatureReader</c>: the widened window, the factor columns and the score entries.</summary>
public sealed class EvaluationInputsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sig-eval-inputs-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly DateOnly[] Dates = [.. Enumerable.Range(0, 30).Select(i => new DateOnly(2024, 1, 1).AddDays(i))];

    /// <summary>Factor <c>f</c> of symbol s on day d is 100·d + s (hand-checkable); score table <c>scores_x</c> is −(100·d + s).</summary>
    private static InMemoryFeatureReader Reader()
    {
        var r = new InMemoryFeatureReader(Dates, ["000001.SZ", "000002.SZ", "600000.SH"], p =>
        {
            foreach (var name in FactorCatalog.Names)
                for (int d = 0; d < p.Dates.Length; d++)
                    for (int s = 0; s < 3; s++) p.Factor(name)[p.Cell(d, s)] = 100 * d + s;
        });
        r.Scores["scores_x"] = [.. Enumerable.Range(0, Dates.Length * 3).Select(c => -(100.0 * (c / 3) + c % 3))];
        return r;
    }

    [Fact]
    public void The_window_runs_from_19_days_before_the_first_date_to_horizon_plus_one_after_the_last_clipped_to_the_calendar()
    {
        var reader = Reader();
        var (panel, inputs) = EvaluationInputs.Read(reader, Dates[25], Dates[26], ["down_vol_perc"], [], horizon: 2, "mem");
        // first = 25, start = 25 − (20 − 1) = 6; last = 26, end = min(29, 26 + 2 + 1) = 29.
        Assert.Equal(Dates[6], panel.Dates[0]);
        Assert.Equal(Dates[29], panel.Dates[^1]);
        var input = Assert.Single(inputs);
        Assert.Equal("down_vol_perc", input.Name);
        Assert.Equal(FactorCatalog.Directions[FactorCatalog.Names.ToList().IndexOf("down_vol_perc")], input.Direction);
        Assert.False(input.IsScore);
        // Panel date 0 is store day 6: symbol 2 reads 602.
        Assert.Equal(602, input.Values[panel.Cell(0, 2)]);

        // A range at the calendar's start: the history is cut at day 0; a horizon past its end at day 29.
        var (early, _) = EvaluationInputs.Read(reader, Dates[3], Dates[28], ["down_vol_perc"], [], horizon: 5, "mem");
        Assert.Equal(Dates[0], early.Dates[0]);
        Assert.Equal(Dates[29], early.Dates[^1]);
    }

    [Fact]
    public void Score_entries_read_a_table_or_a_csv_onto_the_panel_cells()
    {
        string csv = Path.Combine(_dir, "hf.csv");
        File.WriteAllText(csv, "date,symbol,score\n2024-01-27,000002.SZ,0.5\n2024-01-27,999999.SZ,9\n2023-12-01,000001.SZ,7\n2024-01-28,600000.SH,\n");
        var (panel, inputs) = EvaluationInputs.Read(Reader(), Dates[25], Dates[26], [], ["table:scores_x", csv], horizon: 1, "mem");
        Assert.Equal(2, inputs.Count);
        Assert.Equal(("scores_x", true, 1), (inputs[0].Name, inputs[0].IsScore, inputs[0].Direction));
        int d26 = panel.DateIndex(Dates[26]);
        Assert.Equal(-2601, inputs[0].Values[panel.Cell(d26, 1)]);
        Assert.Equal("hf", inputs[1].Name);
        // 2024-01-27 is store day 26; the unknown symbol and the date before the panel are ignored; an empty score is NaN.
        Assert.Equal(0.5, inputs[1].Values[panel.Cell(d26, 1)]);
        Assert.Equal(1, inputs[1].Values.Count(double.IsFinite));
        Assert.Throws<ArgumentException>(() => EvaluationInputs.Read(Reader(), Dates[25], Dates[26], [], ["nope"], horizon: 1, "mem"));
    }

    [Fact]
    public void A_range_without_trading_dates_names_the_store()
    {
        var e = Assert.Throws<ArgumentException>(() => EvaluationInputs.Read(Reader(), new DateOnly(2025, 1, 1), new DateOnly(2025, 2, 1), [], [], 1, "mem.db"));
        Assert.Equal("mem.db: no trading dates between 2025-01-01 and 2025-02-01", e.Message);
    }
}
