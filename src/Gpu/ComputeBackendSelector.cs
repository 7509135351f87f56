using Sig.Factors.Cpu;
using Sig.Gpu.Ilgpu;
using Sig.Factors.Compute;

namespace Sig.Gpu;

/// <summary>
/// Turns <c>compute.backend</c> (auto | cpu | ilgpu-cpu | cuda) into a backend. auto takes CUDA when
/// a device is visible and the CPU backend otherwise, and wraps the device in
/// <see cref="FallbackComputeBackend"/> so a device failure mid-day continues on the CPU. An
/// explicit "cuda" without a device is a <see cref="GpuUnavailableException"/> (one line).
/// Notes (what was chosen, or why the device was not) go to the note callback.
/// </summary>
public static class ComputeBackendSelector
{
    public static readonly string[] Names = ["auto", "cpu", "ilgpu-cpu", "cuda"];

    public static IComputeBackend Create(string name, Action<string> note, int cpuParallelism = 1)
    {
        switch (name)
        {
            case "cpu":
                return new CpuComputeBackend(cpuParallelism);
            case "ilgpu-cpu":
                return IlgpuComputeBackend.Create(IlgpuDevice.Cpu);
            case "cuda":
                try
                {
                    return IlgpuComputeBackend.Create(IlgpuDevice.Cuda);
                }
                catch (GpuUnavailableException ex)
                {
                    throw new GpuUnavailableException($"compute.backend cuda: {ex.Message} (use auto to fall back to cpu)", ex);
                }
            case "auto":
                if (!IlgpuComputeBackend.CudaAvailable(out string reason))
                {
                    note($"compute.backend auto: {reason}; using cpu");
                    return new CpuComputeBackend(cpuParallelism);
                }
                try
                {
                    var cuda = IlgpuComputeBackend.Create(IlgpuDevice.Cuda);
                    note($"compute.backend auto: using cuda on {cuda.Device}");
                    return new FallbackComputeBackend(cuda, () => new CpuComputeBackend(cpuParallelism), note);
                }
                catch (GpuUnavailableException ex)
                {
                    note($"compute.backend auto: {ex.Message}; using cpu");
                    return new CpuComputeBackend(cpuParallelism);
                }
            default:
                throw new ArgumentException($"compute.backend '{name}' is not one of {string.Join(", ", Names)}");
        }
    }
}
