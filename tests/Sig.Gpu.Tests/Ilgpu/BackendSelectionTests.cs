using Sig.Engine.Config;
using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Factors.Cpu;
using Sig.Gpu.Ilgpu;
using Xunit;
using Sig.Factors.Compute;
using static Sig.Gpu.Tests.Ilgpu.ParityKit;

namespace Sig.Gpu.Tests.Ilgpu;

/// <summary>compute.backend selection, the CUDA-missing paths and the mid-day CPU fallback.</summary>
public class BackendSelectionTests
{
    [Fact]
    public void Cpu_and_ilgpu_cpu_are_chosen_by_name_and_unknown_names_are_refused()
    {
        var notes = new List<string>();
        using (var cpu = ComputeBackendSelector.Create("cpu", notes.Add)) Assert.Equal("cpu", cpu.Name);
        using (var ilgpu = ComputeBackendSelector.Create("ilgpu-cpu", notes.Add))
        {
            Assert.Equal("ilgpu-cpu", ilgpu.Name);
            Assert.Contains("ILGPU 1.5.3", ilgpu.Device);
        }
        var ex = Assert.Throws<ArgumentException>(() => ComputeBackendSelector.Create("opencl", notes.Add));
        Assert.Contains("auto, cpu, ilgpu-cpu, cuda", ex.Message);
        Assert.Empty(notes);
    }

    [Fact]
    public void Without_a_cuda_device_auto_says_so_and_uses_cpu_and_explicit_cuda_is_one_clear_error()
    {
        if (IlgpuComputeBackend.CudaAvailable(out string reason))
        {
            // On a GPU machine the device path is taken instead (and the parity suite runs there).
            using var auto = ComputeBackendSelector.Create("auto", _ => { });
            Assert.Equal("cuda", auto.Name);
            return;
        }
        var notes = new List<string>();
        using (var backend = ComputeBackendSelector.Create("auto", notes.Add)) Assert.Equal("cpu", backend.Name);
        Assert.Equal($"compute.backend auto: {reason}; using cpu", Assert.Single(notes));
        var ex = Assert.Throws<GpuUnavailableException>(() => ComputeBackendSelector.Create("cuda", notes.Add));
        Assert.StartsWith("compute.backend cuda: no CUDA device", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void A_device_failure_mid_day_continues_on_the_cpu_with_the_same_rows()
    {
        var market = GeneratedMarket.Make(61, stocks: 5, days: 1, eventsPerStockDay: 1000);
        var day = market.Days[0].Symbols;
        var settings = Settings(1.0);
        using var cpu = new CpuComputeBackend(1);
        var expected = Run(cpu.CreateShard(settings, BigOrderSizing.Filled), day, _ => true);
        var notes = new List<string>();
        using var failing = new FallbackComputeBackend(new FailingBackend(IlgpuComputeBackend.Create(IlgpuDevice.Cpu), failAtMinute: 97),
            () => new CpuComputeBackend(1), notes.Add);
        var actual = Run(failing.CreateShard(settings, BigOrderSizing.Filled), day, _ => true);
        for (int m = 1; m <= 240; m++) AssertRowsMatch(expected[m], actual[m], $"minute {m}");
        Assert.Equal("compute: ilgpu-cpu failed during minute 97 (GpuUnavailableException: injected kernel fault); continuing on cpu", Assert.Single(notes));
        Assert.Contains("fell back to cpu", failing.Device);
    }

    // Throws a device error from Evaluate at one minute, as a lost device or kernel fault would.
    private sealed class FailingBackend(IComputeBackend inner, int failAtMinute) : IComputeBackend
    {
        public string Name => inner.Name;
        public int VectorWidth => inner.VectorWidth;
        public string? Device => inner.Device;
        public IShardFactorState CreateShard(FactorSettings settings, BigOrderSizing sizing) => new Shard(inner.CreateShard(settings, sizing), failAtMinute);
        public void Dispose() => inner.Dispose();

        private sealed class Shard(IShardFactorState s, int failAt) : IShardFactorState
        {
            public int SymbolCount => s.SymbolCount;
            public void BeginDay(ReadOnlySpan<SymbolCode> symbols) => s.BeginDay(symbols);
            public void Apply(ReadOnlySpan<TickEvent> events, ReadOnlySpan<int> symbols) => s.Apply(events, symbols);
            public int Evaluate(int minute, Span<double> rows, Span<int> changed) =>
                minute == failAt ? throw new GpuUnavailableException("injected kernel fault") : s.Evaluate(minute, rows, changed);
            public long LastSeq(int symbol) => s.LastSeq(symbol);
            public RawDailyBar? DailyBar(int symbol) => s.DailyBar(symbol);
            public IShardFactorState Copy(IShardFactorState? into = null) => new Shard(s.Copy(into), failAt);
        }
    }
}
