using System.CommandLine;
using Sig.Research.Report;

namespace Sig.Engine.Host.Commands;

/// <summary>`engine report --in DIR --out report.html`: the self-contained HTML report of an `engine evaluate` directory.</summary>
public sealed class ReportCommand : ICliCommand
{
    public Command Build()
    {
        var input = new Option<DirectoryInfo>("--in") { Description = "Directory written by `engine evaluate`", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "HTML file to write", Required = true };
        var cmd = new Command("report", "Write one self-contained HTML report (tables and inline SVG charts) of an evaluation") { input, output };
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(output)!.FullName;
            int charts = HtmlReport.Write(parse.GetValue(input)!.FullName, path);
            Console.WriteLine($"report with {charts} charts → {path}");
            return 0;
        });
        return cmd;
    }
}
