using Sig.Gpu.Ilgpu;
using Sig.Gpu.Inference;
using Xunit;

namespace Sig.Gpu.Tests.Inference;

/// <summary>The check `engine bench gpu` and gpu-check run: every model of the catalog's shapes passes parity on the CPU accelerator.</summary>
public class InferenceBenchmarkTests
{
    [Fact]
    public void Every_model_ensemble_passes_parity_on_the_cpu_accelerator()
    {
        using var device = IlgpuInferenceBackend.Create(IlgpuDevice.Cpu);
        var ensembles = InferenceBenchmark.Ensembles(48, seeds: 2);
        Assert.Equal(["hf-gru", "lf-mtl", "alphanet-v2", "alphanet-v2.1", "alphanet-v2.2", "alphanet-v2.3"], ensembles.Select(e => e.Model));
        var results = ensembles.Select(e => InferenceBenchmark.Parity(device, e)).ToList();
        foreach (var p in results) Assert.True(p.Passed, $"{p}");
        Assert.Contains(results, p => p.MaxAbsDifference > 0); // the device runs its own arithmetic, not the CPU model
        // The CPU models against themselves: no difference at all (the check is not blind to a zero).
        var cpu = InferenceBenchmark.Parity(new CpuInferenceBackend(), ensembles[0]);
        Assert.Equal(0, cpu.MaxAbsDifference);
    }
}
