using Sig.Models.Data;
using Sig.Models.Networks;
using Sig.Models.Training;

namespace Sig.Gpu.Inference;

/// <summary>
/// Runs trained networks over a cross-section in evaluation mode: the CPU models themselves, or
/// the inference kernels on an ILGPU accelerator. Chosen by <c>compute.backend</c> like the
/// factor backend (<see cref="InferenceBackendSelector"/>).
/// </summary>
public interface IInferenceBackend : IDisposable
{
    /// <summary>cpu, ilgpu-cpu or cuda (what ran).</summary>
    string Name { get; }

    /// <summary>The device and driver for the ILGPU backends (null for cpu); may say that it fell back to the CPU.</summary>
    string? Device { get; }

    /// <summary>One score array per network (evaluation mode: running statistics, no dropout), all over <paramref name="cs"/>.</summary>
    IReadOnlyList<float[]> Predict(IReadOnlyList<INetwork> networks, CrossSection cs);
}

/// <summary>The CPU models (src/Models): the reference the device kernels are tested against.</summary>
public sealed class CpuInferenceBackend : IInferenceBackend
{
    public string Name => "cpu";
    public string? Device => null;

    public IReadOnlyList<float[]> Predict(IReadOnlyList<INetwork> networks, CrossSection cs) =>
        [.. networks.Select(net => Trainer.Predict(net, cs))];

    public void Dispose() { }
}
