using Sig.Research.Evaluation;
using Sig.Research.Report;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// The evaluation part of `engine demo`: the single-factor and layered tests of the 27 daily
/// factors over the replayed period, then the HTML report; prints where it is.
/// </summary>
internal static class DemoEvaluateSection
{
    public static void Run(string db, IReadOnlyList<DateOnly> dates, string workDir)
    {
        string outDir = Path.Combine(workDir, "evaluation");
        var run = EvaluateCommand.Run(db, dates[0], dates[^1], "all", null, new EvaluationOptions(), keepRows: true);
        run.Write(outDir, panelCsv: true);
        var table = new Table().Title($"RankIC vs the T+1 → T+6 VWAP return, {run.RebalanceDates.Count} weekly dates (top 8 by |IC_IR|)")
            .AddColumns("factor", "dir", "RankIC mean", "IC_IR", "IC>0", "TOP excess ann.", "TOP IR");
        foreach (var s in run.Results.Select(run.Summarize).Where(s => double.IsFinite(s.IcIr)).OrderByDescending(s => Math.Abs(s.IcIr)).Take(8))
            table.AddRow(s.Factor, s.Direction.ToString("+0;-0"), s.RankIcMean.ToString("F3"), s.IcIr.ToString("F2"), s.IcPos.ToString("P0"),
                s.TopExcessAnn.ToString("P1"), s.TopIr.ToString("F2"));
        AnsiConsole.Write(table);
        string report = Path.Combine(outDir, "report.html");
        int charts = HtmlReport.Write(outDir, report);
        AnsiConsole.MarkupLine($"evaluation files in {Markup.Escape(outDir)}; report ({charts} charts): [bold]{Markup.Escape(report)}[/]");
    }
}
