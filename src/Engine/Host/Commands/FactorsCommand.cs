using System.CommandLine;
using System.Text;
using Sig.Factors;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Engine.Text;
using Sig.Replay.Store;

namespace Sig.Engine.Host.Commands;

/// <summary>`engine factors`: the 27 factors of one stored date as of a minute (default the close) to CSV.</summary>
public sealed class FactorsCommand : ICliCommand
{
    public Command Build()
    {
        var store = new Option<DirectoryInfo>("--store") { Description = "Tick store directory", Required = true };
        var date = new Option<string>("--date") { Description = "Trading date (YYYY-MM-DD)", Required = true };
        var asof = new Option<int>("--asof-minute") { Description = "Minute 1..240 (240 = the daily values)", DefaultValueFactory = _ => 240 };
        var output = new Option<FileInfo>("--out") { Description = "CSV to write", Required = true };
        var backend = BackendCli.Option();
        backend.AcceptOnlyFromAmong(Sig.Gpu.ComputeBackendSelector.Names);
        var cmd = new Command("factors", "Write the 27 factors of every symbol as of a minute: date,symbol,<27 names>; NaN empty; round-trip exact")
        {
            store, date, asof, output, backend,
        };
        cmd.SetAction(parse =>
        {
            int m = parse.GetValue(asof);
            var config = StoreReplay.WithBackend(Cli.LoadConfig(parse), parse.GetValue(backend));
            var d = Cli.ParseDate(parse.GetValue(date)!, "--date");
            var ticks = TickStore.Open(parse.GetValue(store)!.FullName);
            var cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var clock = System.Diagnostics.Stopwatch.StartNew(); // wall-clock ok: timing report only
            var (snapshot, pipeline) = FactorsRun.AsOf(config, ticks, d, m);
            clock.Stop();
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            WriteCsv(snapshot, parse.GetValue(output)!.FullName);
            Console.WriteLine($"{snapshot.Symbols.Length} symbols as of minute {m} → {parse.GetValue(output)!.FullName}");
            long events = pipeline.Last?.Counters.EventsApplied ?? 0;
            var steps = pipeline.ComputeMillis.ToArray();
            Console.WriteLine($"timing: {clock.Elapsed.TotalSeconds:F2} s wall, {cpu.TotalSeconds:F2} s CPU, {events:N0} events ({events / Math.Max(1e-9, cpu.TotalSeconds):N0} per CPU-second); " +
                $"minute step (per shard) p50 / p99 {BenchReport.P50P99(steps)}, {steps.Sum() / 1000:F2} s in all; peak RSS {BenchReport.PeakRssMiB():N0} MiB");
            return 0;
        });
        return cmd;
    }

    public static void WriteCsv(FactorSnapshot s, string path)
    {
        var sb = new StringBuilder();
        sb.Append("date,symbol,").AppendJoin(',', FactorCatalog.Names).Append('\n');
        string date = CanonicalRows.FormatDate(s.Date);
        for (int i = 0; i < s.Symbols.Length; i++)
        {
            sb.Append(date).Append(',').Append(s.Symbols[i].ToString());
            foreach (double v in s.Row(i)) sb.Append(',').Append(FactorPayloads.Csv(v));
            sb.Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }
}
