using Sig.Gpu.Ilgpu;
using Sig.Models.Data;
using Sig.Models.Networks;

namespace Sig.Gpu.Inference;

/// <summary>
/// Turns <c>compute.backend</c> into an inference backend: cpu → the CPU models; ilgpu-cpu →
/// the kernels on ILGPU's CPU accelerator; cuda → the kernels on the first CUDA device (none: a
/// <see cref="GpuUnavailableException"/>, one line); auto → cuda when a device is visible, else
/// the CPU models, and a device failure during a call falls back to the CPU models
/// (<see cref="FallbackInferenceBackend"/>).
/// </summary>
public static class InferenceBackendSelector
{
    public static IInferenceBackend Create(string name, Action<string> note)
    {
        switch (name)
        {
            case "cpu":
                return new CpuInferenceBackend();
            case "ilgpu-cpu":
                return IlgpuInferenceBackend.Create(IlgpuDevice.Cpu);
            case "cuda":
                try
                {
                    return IlgpuInferenceBackend.Create(IlgpuDevice.Cuda);
                }
                catch (GpuUnavailableException ex)
                {
                    throw new GpuUnavailableException($"compute.backend cuda (inference): {ex.Message} (use auto to fall back to cpu)", ex);
                }
            case "auto":
                if (!IlgpuComputeBackend.CudaAvailable(out string reason))
                {
                    note($"compute.backend auto (inference): {reason}; using cpu");
                    return new CpuInferenceBackend();
                }
                try
                {
                    var cuda = IlgpuInferenceBackend.Create(IlgpuDevice.Cuda);
                    note($"compute.backend auto (inference): using cuda on {cuda.Device}");
                    return new FallbackInferenceBackend(cuda, note);
                }
                catch (GpuUnavailableException ex)
                {
                    note($"compute.backend auto (inference): {ex.Message}; using cpu");
                    return new CpuInferenceBackend();
                }
            default:
                throw new ArgumentException($"compute.backend '{name}' is not one of {string.Join(", ", ComputeBackendSelector.Names)}");
        }
    }
}

/// <summary>
/// The device chosen by <c>auto</c>, with the CPU models behind it: a device failure (driver or
/// device lost, out of memory, a kernel fault) writes one line and this and every later call
/// run on the CPU models, so a close is never lost to the device. Argument errors of the caller
/// (a tensor of the wrong shape) are not device failures and propagate.
/// </summary>
public sealed class FallbackInferenceBackend(IInferenceBackend device, Action<string> note) : IInferenceBackend
{
    private readonly CpuInferenceBackend _cpu = new();
    private string? _failure;

    public string Name => _failure is null ? device.Name : "cpu";
    public string? Device => _failure is null ? device.Device : $"{device.Device}; fell back to cpu: {_failure}";

    public IReadOnlyList<float[]> Predict(IReadOnlyList<INetwork> networks, CrossSection cs)
    {
        if (_failure is null)
        {
            try
            {
                return device.Predict(networks, cs);
            }
            catch (Exception ex) when (FallbackComputeBackend.IsDeviceFailure(ex))
            {
                _failure = $"{ex.GetType().Name}: {IlgpuComputeBackend.FirstLine(ex.Message)}";
                note($"compute: {device.Name} inference failed on {cs.Date:yyyy-MM-dd} ({_failure}); continuing on cpu");
            }
        }
        return _cpu.Predict(networks, cs);
    }

    public void Dispose() => device.Dispose();
}
