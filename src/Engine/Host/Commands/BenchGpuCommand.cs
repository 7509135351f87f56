using System.CommandLine;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Gpu;
using Sig.Factors.Compute;
using Sig.Gpu.Ilgpu;
using Sig.Replay.Generator;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine bench gpu`: the compute backends side by side on one synthetic day — the minute step
/// (apply + evaluate of all symbols, the live path) and, for ILGPU backends, the whole-day batch
/// (events/s). The day tiles a generated template day over --symbols symbols.
/// </summary>
public sealed class BenchGpuCommand : IBenchCommand
{
    public Command Build()
    {
        var symbols = new Option<int>("--symbols") { Description = "Symbols in the shard", DefaultValueFactory = _ => 5000 };
        var events = new Option<int>("--events-per-symbol") { Description = "Mean events per symbol-day of the generated template", DefaultValueFactory = _ => 20000 };
        var backends = new Option<string>("--backends") { Description = "Comma-separated: cpu, ilgpu-cpu, cuda (default: cpu, plus cuda when a device is present, else ilgpu-cpu)" };
        var seed = new Option<ulong>("--seed") { Description = "Generator seed of the template day", DefaultValueFactory = _ => 42UL };
        var cmd = new Command("gpu", "Compute backends: minute step for all symbols (ms) and the whole-day batch (events/s)") { symbols, events, backends, seed };
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(symbols);
            if (n < 1) throw new ArgumentException("--symbols must be at least 1");
            var names = (parse.GetValue(backends) ?? (IlgpuComputeBackend.CudaAvailable(out _) ? "cpu,cuda" : "cpu,ilgpu-cpu"))
                .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var template = GeneratedTemplate(parse.GetValue(seed), Math.Min(n, 50), parse.GetValue(events));
            var (codes, day) = GpuBenchmark.Tile(template, n);
            long total = day.Sum(e => (long)e.Length);
            var settings = FactorSettings.From(Cli.LoadConfig(parse).BigOrder);
            Console.WriteLine($"bench gpu: {n} symbols, {total:N0} events in the day ({template.Count} generated symbol-days tiled)");
            foreach (var name in names)
            {
                using var backend = ComputeBackendSelector.Create(name, note => Console.Error.WriteLine(note));
                Console.WriteLine($"  [{backend.Name}] {backend.Device ?? $"SIMD width {backend.VectorWidth}"}");
                var step = GpuBenchmark.MinuteSteps(backend, settings, codes, day);
                Console.WriteLine($"    minute step   mean {step.MeanMs:F3} ms, p50 {step.P50Ms:F3}, p99 {step.P99Ms:F3}, max {step.MaxMs:F3} (apply + evaluate, {n} symbols)");
                Console.WriteLine($"    whole day     {step.TotalSeconds:F3} s minute by minute, {step.EventsPerSecond / 1e6:F2} M events/s");
                if (backend is not IlgpuComputeBackend ilgpu) continue;
                GpuBenchmark.WholeDay(ilgpu, settings, codes[..Math.Min(n, 64)], day[..Math.Min(n, 64)], true); // compiles and warms the kernel
                foreach (bool everyMinute in new[] { false, true })
                {
                    var b = GpuBenchmark.WholeDay(ilgpu, settings, codes, day, everyMinute);
                    double seconds = b.EncodeSeconds + b.DeviceSeconds;
                    Console.WriteLine($"    day batch     {(everyMinute ? "every minute" : "close only  ")}: {b.Events / seconds / 1e6:F2} M events/s end to end "
                        + $"(host encode {b.EncodeSeconds:F3} s, device {b.DeviceSeconds:F3} s = {b.Events / b.DeviceSeconds / 1e6:F2} M events/s)");
                }
            }
            Console.WriteLine($"  peak RSS     {BenchReport.PeakRssMiB():F0} MiB");
            Console.WriteLine($"  machine      {BenchReport.Machine()}");
            return 0;
        });
        return cmd;
    }

    // One generated day's symbol-days (those with events).
    private static List<TickEvent[]> GeneratedTemplate(ulong seed, int stocks, int eventsPerStockDay)
    {
        var sink = new TemplateSink();
        new MarketGenerator(new GeneratorSettings { Seed = seed, Stocks = stocks, Days = 1, EventsPerStockDay = eventsPerStockDay }).Generate(sink);
        return sink.Days;
    }

    private sealed class TemplateSink : IMarketDataSink, IDayWriter
    {
        public readonly List<TickEvent[]> Days = [];
        public IDayWriter BeginDay(DateOnly date, ReferenceSchema schema, IReadOnlyList<DailyReference> references) => this;
        public void WriteSymbol(SymbolCode symbol, ReadOnlySpan<TickEvent> events) { if (events.Length > 0) Days.Add(events.ToArray()); }
        public void Commit() { }
        public void Dispose() { }
    }
}
