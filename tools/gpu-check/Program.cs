using System.Security.Cryptography;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Time;
using Sig.Gpu;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;
using Sig.Gpu.Ilgpu;
using Sig.Replay.Generator;

// gpu-check [--backend cuda|ilgpu-cpu] [--symbols N] [--events-per-symbol E] [--no-bench]
// 1. parity of the backend with the CPU backend on generated days (every minute, streaming and day batch);
// 2. two runs give the same bits; 3. the benchmark (minute step, whole-day batch), the CPU backend alongside.
string backendName = Arg("--backend", "cuda");
int symbols = int.Parse(Arg("--symbols", "5000"));
int eventsPerSymbol = int.Parse(Arg("--events-per-symbol", "20000"));
bool bench = !args.Contains("--no-bench");
const int W = FactorCatalog.Count;
int[] exact = [3, 4, 5, 6, 7, 8, 9, 10, 13, 15, 16, 17, 18, 19, 20];

IlgpuComputeBackend device;
try
{
    device = (IlgpuComputeBackend)ComputeBackendSelector.Create(backendName, Console.Error.WriteLine);
}
catch (Exception ex) when (ex is GpuUnavailableException or InvalidCastException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}
using (device)
{
    Console.WriteLine($"backend {device.Name}: {device.Device}");
    bool ok = true;
    double worst = 0;
    long exactMismatches = 0, floatMismatches = 0;
    foreach (var (seed, k, sizing) in new[] { (11UL, 0.5, BigOrderSizing.Filled), (12UL, 1.0, BigOrderSizing.Submitted), (13UL, 2.0, BigOrderSizing.Filled) })
    {
        var (codes, day) = Generate(seed, 8, 1500);
        var settings = FactorSettings.From(new BigOrderOptions { StdMultiple = k });
        using var cpu = new CpuComputeBackend(1);
        var expected = Stream(cpu, settings, sizing, codes, day);
        var streamed = Stream(device, settings, sizing, codes, day);
        var batch = IlgpuDayBatch.Run(device, settings, sizing, codes, day, true).Rows;
        Compare(expected, streamed);
        Compare(expected, batch);
        if (Digest(streamed) != Digest(Stream(device, settings, sizing, codes, day))) { ok = false; Console.WriteLine($"  seed {seed}: two streaming runs differ"); }
        if (Digest(batch) != Digest(IlgpuDayBatch.Run(device, settings, sizing, codes, day, true).Rows)) { ok = false; Console.WriteLine($"  seed {seed}: two batch runs differ"); }
    }
    ok &= exactMismatches == 0 && floatMismatches == 0;
    Console.WriteLine($"parity with cpu: exact factors {exactMismatches} mismatch(es), floats {floatMismatches} beyond 1e-12 (largest relative difference {worst:E2}); two-run identity checked");
    if (bench)
    {
        var (codes, day) = Generate(42, Math.Min(symbols, 50), eventsPerSymbol);
        (codes, day) = GpuBenchmark.Tile(day, symbols);
        var settings = FactorSettings.From(new BigOrderOptions());
        Console.WriteLine($"bench: {symbols} symbols, {day.Sum(d => (long)d.Length):N0} events");
        foreach (IComputeBackend b in new IComputeBackend[] { device, new CpuComputeBackend(1) })
        {
            var step = GpuBenchmark.MinuteSteps(b, settings, codes, day);
            Console.WriteLine($"  [{b.Name}] minute step mean {step.MeanMs:F3} ms p50 {step.P50Ms:F3} p99 {step.P99Ms:F3}; day minute by minute {step.EventsPerSecond / 1e6:F2} M events/s");
        }
        GpuBenchmark.WholeDay(device, settings, codes[..Math.Min(symbols, 64)], day[..Math.Min(symbols, 64)], true);
        foreach (bool every in new[] { false, true })
        {
            var r = GpuBenchmark.WholeDay(device, settings, codes, day, every);
            Console.WriteLine($"  [{device.Name}] day batch {(every ? "every minute" : "close only")}: device {r.Events / r.DeviceSeconds / 1e6:F2} M events/s, end to end {r.Events / (r.DeviceSeconds + r.EncodeSeconds) / 1e6:F2} M events/s");
        }
    }
    return ok ? 0 : 1;

    void Compare(double[] expected, double[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            bool isExact = Array.IndexOf(exact, i % W) >= 0;
            if (isExact) { if (BitConverter.DoubleToInt64Bits(e) != BitConverter.DoubleToInt64Bits(a)) exactMismatches++; continue; }
            double rel = e == a ? 0 : Math.Abs(e - a) / Math.Max(Math.Abs(e), 1e-300);
            if (double.IsNaN(rel) || rel > 1e-12) floatMismatches++;
            else worst = Math.Max(worst, rel);
        }
    }
}

string Arg(string name, string fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

static (SymbolCode[], TickEvent[][]) Generate(ulong seed, int stocks, int events)
{
    var sink = new DaySink();
    new MarketGenerator(new GeneratorSettings { Seed = seed, Stocks = stocks, Days = 1, EventsPerStockDay = events }).Generate(sink);
    return ([.. sink.Symbols], [.. sink.Events]);
}

// All minutes' rows, minute-major, from the backend's shard driven minute by minute.
static double[] Stream(IComputeBackend backend, FactorSettings settings, BigOrderSizing sizing, SymbolCode[] codes, TickEvent[][] day)
{
    int n = codes.Length;
    var state = backend.CreateShard(settings, sizing);
    state.BeginDay(codes);
    var rows = Enumerable.Repeat(double.NaN, n * W).ToArray();
    var all = new double[240 * n * W];
    var next = new int[n];
    var changed = new int[n];
    for (int m = 1; m <= 240; m++)
    {
        var batch = new List<TickEvent>();
        var of = new List<int>();
        for (int i = 0; i < n; i++)
            while (next[i] < day[i].Length && SessionBars.BarOf(day[i][next[i]].Time) <= m) { batch.Add(day[i][next[i]++]); of.Add(i); }
        state.Apply(batch.ToArray(), of.ToArray());
        state.Evaluate(m, rows, changed);
        rows.CopyTo(all, (m - 1) * n * W);
    }
    return all;
}

static string Digest(double[] rows) => Convert.ToHexString(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(rows.AsSpan())));

sealed class DaySink : IMarketDataSink, IDayWriter
{
    public readonly List<SymbolCode> Symbols = [];
    public readonly List<TickEvent[]> Events = [];
    public IDayWriter BeginDay(DateOnly date, ReferenceSchema schema, IReadOnlyList<DailyReference> references) => this;
    public void WriteSymbol(SymbolCode symbol, ReadOnlySpan<TickEvent> events) { if (events.Length == 0) return; Symbols.Add(symbol); Events.Add(events.ToArray()); }
    public void Commit() { }
    public void Dispose() { }
}
