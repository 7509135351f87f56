using Sig.Engine.Config;
using Sig.Actors.Pipeline;
using Sig.Engine.Host.Commands;
using Sig.Orchestration;
using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>`engine replay` on the ILGPU backend (CPU accelerator): a stable digest, and the manifest names the device.</summary>
public class GpuReplayCliTests(GeneratedStoreFixture market) : IClassFixture<GeneratedStoreFixture>
{
    [Fact]
    public void An_ilgpu_cpu_replay_digest_is_stable_across_runs_and_workers_and_its_manifest_names_the_device()
    {
        var dates = market.Ticks.Dates.Take(1).ToList();
        var gpu = new EngineConfig { Compute = new ComputeOptions { Backend = "ilgpu-cpu" } };
        var (first, _) = ReplayCommand.Run(market.Ticks, dates, gpu, 2, Path.Combine(market.Root, "ilgpu-a.db"));
        var (second, _) = ReplayCommand.Run(market.Ticks, dates, gpu, 1, Path.Combine(market.Root, "ilgpu-b.db"));
        var (cpu, _) = ReplayCommand.Run(market.Ticks, dates, new EngineConfig(), 2, Path.Combine(market.Root, "cpu-ref.db"));
        Assert.Equal(first.OutputDigest, second.OutputDigest);
        Assert.Equal("ilgpu-cpu", first.Backend);
        Assert.Contains("ILGPU 1.5.3", first.BackendDevice);
        Assert.Null(cpu.BackendDevice);
        // The CPU accelerator runs the kernels' IEEE operations in the CPU backend's order: the same bytes.
        Assert.Equal(cpu.OutputDigest, first.OutputDigest);
        Assert.DoesNotContain("backendDevice", cpu.ToJson());
    }

    [Fact]
    public void A_daily_only_replay_on_the_device_day_batch_gives_the_cpu_close_rows_and_digest()
    {
        var dates = market.Ticks.Dates.Take(2).ToList();
        var gpu = new EngineConfig { Compute = new ComputeOptions { Backend = "ilgpu-cpu" } };
        var (device, deviceClose) = ReplayRun.Run(market.Ticks, dates, gpu, 2, Path.Combine(market.Root, "daily-ilgpu.db"), outputs: PipelineOutputs.Daily);
        var (cpu, cpuClose) = ReplayRun.Run(market.Ticks, dates, new EngineConfig(), 2, Path.Combine(market.Root, "daily-cpu.db"), outputs: PipelineOutputs.Daily);
        var (_, fullClose) = ReplayRun.Run(market.Ticks, dates, new EngineConfig(), 2, Path.Combine(market.Root, "all-cpu.db"));
        Assert.Equal("daily", device.Outputs);
        Assert.Equal("ilgpu-cpu", device.Backend);
        Assert.Equal(cpu.OutputDigest, device.OutputDigest);
        Assert.NotNull(deviceClose);
        // The whole-day batch at the close gives the CPU backend's minute-240 rows, bit for bit.
        Assert.Equal(fullClose!.Symbols, deviceClose!.Symbols);
        Assert.Equal(fullClose.Values.Select(BitConverter.DoubleToInt64Bits), deviceClose.Values.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(cpuClose!.Values.Select(BitConverter.DoubleToInt64Bits), deviceClose.Values.Select(BitConverter.DoubleToInt64Bits));
    }
}
