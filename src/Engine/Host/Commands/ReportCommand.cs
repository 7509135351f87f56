using System.CommandLine;
using Sig.Research.Report;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine report [--in DIR] [--backtest DIR] --out report.html`: the self-contained HTML report of an
/// `engine evaluate` directory and/or an `engine backtest` directory (the enhancement tables and charts).
/// </summary>
public sealed class ReportCommand : ICliCommand
{
    public Command Build()
    {
        var input = new Option<DirectoryInfo?>("--in") { Description = "Directory written by `engine evaluate`" };
        var backtest = new Option<DirectoryInfo?>("--backtest") { Description = "Directory written by `engine backtest` (adds the index-enhancement section)" };
        var output = new Option<FileInfo>("--out") { Description = "HTML file to write", Required = true };
        var cmd = new Command("report", "Write one self-contained HTML report (tables and inline SVG charts) of an evaluation and/or a backtest") { input, backtest, output };
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(output)!.FullName;
            string? evaluation = parse.GetValue(input)?.FullName, backtestDir = parse.GetValue(backtest)?.FullName;
            if (evaluation is null && backtestDir is null) throw new ArgumentException("report: give --in (an evaluation), --backtest (a backtest), or both");
            int charts = HtmlReport.Write(evaluation, path, backtestDir);
            Console.WriteLine($"report with {charts} charts → {path}");
            return 0;
        });
        return cmd;
    }
}
