using System.CommandLine;
using Spectre.Console;
using Sig.Engine.Time;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine bench jitter`: how often, and for how long, this machine takes a CPU away from a thread
/// that wants it all the time (<see cref="PlatformStallProbe"/>). A minute step a gap falls into
/// is that much longer whatever the engine does, so this is the floor under the step's tail on
/// the machine at hand (docs/benchmarks.md, "Platform stalls").
/// </summary>
public sealed class BenchJitterCommand : IBenchCommand
{
    public Command Build()
    {
        var seconds = new Option<double>("--seconds") { Description = "How long to probe, seconds (every CPU the process may use is taken for that long)", DefaultValueFactory = _ => 10 };
        var cmd = new Command("jitter", "Platform stalls: gaps a thread spinning on each CPU sees between clock readings (the floor under a minute step's tail)") { seconds };
        cmd.SetAction(parse =>
        {
            double s = parse.GetValue(seconds);
            if (!(s > 0 && s <= 3600)) throw new ArgumentException("--seconds must be more than 0 and at most 3600");
            var tallies = PlatformStallProbe.Measure(TimeSpan.FromSeconds(s));
            var t = new Table().AddColumns("metric", "value");
            t.AddRow("machine", Markup.Escape(BenchReport.Machine()));
            foreach (var (metric, value) in PlatformStallRows.Of(tallies)) t.AddRow(Markup.Escape(metric), Markup.Escape(value));
            AnsiConsole.Write(t);
            return 0;
        });
        return cmd;
    }
}
