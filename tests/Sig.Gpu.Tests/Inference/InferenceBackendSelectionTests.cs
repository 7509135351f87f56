using Sig.Gpu.Ilgpu;
using Sig.Gpu.Inference;
using Sig.Models.Data;
using Sig.Models.Networks;
using Xunit;
using static Sig.Gpu.Tests.Inference.InferenceKit;

namespace Sig.Gpu.Tests.Inference;

/// <summary>compute.backend for inference: which backend runs, the one-line errors, and the fallback to the CPU models.</summary>
public class InferenceBackendSelectionTests
{
    [Fact]
    public void Cpu_runs_the_cpu_models_and_ilgpu_cpu_the_kernels()
    {
        var notes = new List<string>();
        using (var cpu = InferenceBackendSelector.Create("cpu", notes.Add))
        {
            Assert.IsType<CpuInferenceBackend>(cpu);
            Assert.Null(cpu.Device);
        }
        using (var device = InferenceBackendSelector.Create("ilgpu-cpu", notes.Add))
        {
            Assert.Equal("ilgpu-cpu", device.Name);
            Assert.Contains("CPU accelerator", device.Device);
        }
        Assert.Empty(notes);
        var ex = Assert.Throws<ArgumentException>(() => InferenceBackendSelector.Create("gpu", notes.Add));
        Assert.Contains("auto, cpu, ilgpu-cpu, cuda", ex.Message);
    }

    [Fact]
    public void Without_a_cuda_device_auto_uses_the_cpu_models_and_explicit_cuda_is_one_clear_error()
    {
        if (IlgpuComputeBackend.CudaAvailable(out string reason))
        {
            // On a GPU machine the device is taken (the parity tests run there through gpu-check).
            using var auto = InferenceBackendSelector.Create("auto", _ => { });
            Assert.Equal("cuda", auto.Name);
            return;
        }
        var notes = new List<string>();
        using (var backend = InferenceBackendSelector.Create("auto", notes.Add)) Assert.Equal("cpu", backend.Name);
        Assert.Equal($"compute.backend auto (inference): {reason}; using cpu", Assert.Single(notes));
        var ex = Assert.Throws<GpuUnavailableException>(() => InferenceBackendSelector.Create("cuda", notes.Add));
        Assert.StartsWith("compute.backend cuda (inference): no CUDA device", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void A_device_failure_continues_on_the_cpu_models_with_one_line()
    {
        var notes = new List<string>();
        var net = Trained(new HfGruNet(27, 30), 3);
        var cs = HfSection(3, 10);
        using var backend = new FallbackInferenceBackend(new FailingDevice(), notes.Add);
        Assert.Equal("cuda", backend.Name);
        AssertBits(net.Predict(cs), backend.Predict([net], cs)[0], "after the failure");
        AssertBits(net.Predict(cs), backend.Predict([net], cs)[0], "later calls");
        Assert.Equal("compute: cuda inference failed on 2024-03-01 (OutOfMemoryException: device memory exhausted); continuing on cpu", Assert.Single(notes));
        Assert.Equal("cpu", backend.Name);
        Assert.EndsWith("; fell back to cpu: OutOfMemoryException: device memory exhausted", backend.Device);
    }

    [Fact]
    public void A_callers_error_is_not_taken_for_a_device_failure()
    {
        using var backend = new FallbackInferenceBackend(IlgpuInferenceBackend.Create(IlgpuDevice.Cpu), _ => Assert.Fail("no fallback expected"));
        var net = Trained(new HfGruNet(27, 30), 4);
        Assert.Throws<ArgumentException>(() => backend.Predict([net], Section(2, Tensor(new Random(4), 2, 40, 5))));
        Assert.Equal("ilgpu-cpu", backend.Name);
    }

    private sealed class FailingDevice : IInferenceBackend
    {
        public string Name => "cuda";
        public string? Device => "test device";
        public IReadOnlyList<float[]> Predict(IReadOnlyList<INetwork> networks, CrossSection cs) => throw new OutOfMemoryException("device memory exhausted");
        public void Dispose() { }
    }
}
