using ILGPU;
using ILGPU.Runtime;
using Sig.Gpu.Ilgpu;
using Sig.Models.Data;
using Sig.Models.Networks;

namespace Sig.Gpu.Inference;

/// <summary>
/// Kernel (c) on an ILGPU accelerator: per call the cross-section's input tensors go up once,
/// every network's weights go up as one block, each branch runs as a recurrent launch and a head
/// launch on one stream (so launches run in call order), and all scores come back in one
/// download. AlphaNet's feature extraction runs on the host (double precision, the CPU model's
/// own code); its BatchNorm, LSTM and head run on the device. Device buffers grow by doubling
/// and are reused. One call at a time (a lock).
/// </summary>
public sealed class IlgpuInferenceBackend : IInferenceBackend
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly object _lock = new();
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, RecurrentShape, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int> _gru, _lstm;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, HeadShape, ArrayView<float>, int, ArrayView<float>> _head;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, HeadShape, ArrayView<float>, ArrayView<float>> _normRows;
    private readonly Dictionary<int, MemoryBuffer1D<float, Stride1D.Dense>> _inputs = [];
    private MemoryBuffer1D<float, Stride1D.Dense>? _params, _features, _normed, _state, _hidden, _outputs;

    private IlgpuInferenceBackend(IlgpuDevice kind, Context context, Accelerator accelerator)
    {
        _context = context;
        _accelerator = accelerator;
        Name = kind == IlgpuDevice.Cuda ? "cuda" : "ilgpu-cpu";
        Device = IlgpuAccelerators.Describe(accelerator);
        _gru = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, RecurrentShape, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int>(InferenceKernels.Gru);
        _lstm = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, RecurrentShape, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int>(InferenceKernels.Lstm);
        _head = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, HeadShape, ArrayView<float>, int, ArrayView<float>>(InferenceKernels.Head);
        _normRows = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, HeadShape, ArrayView<float>, ArrayView<float>>(InferenceKernels.BatchNormRows);
    }

    /// <summary>Opens the accelerator and loads the kernels; throws <see cref="GpuUnavailableException"/> (one line) when it cannot.</summary>
    public static IlgpuInferenceBackend Create(IlgpuDevice kind, int cudaDevice = 0)
    {
        var (context, accelerator) = IlgpuAccelerators.Open(kind, cudaDevice);
        try
        {
            return new IlgpuInferenceBackend(kind, context, accelerator);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException || kind == IlgpuDevice.Cuda)
        {
            accelerator.Dispose();
            context.Dispose();
            throw new GpuUnavailableException($"inference kernels could not be loaded: {ex.GetType().Name}: {IlgpuComputeBackend.FirstLine(ex.Message)}", ex);
        }
    }

    public string Name { get; }
    public string? Device { get; }

    public IReadOnlyList<float[]> Predict(IReadOnlyList<INetwork> networks, CrossSection cs)
    {
        var programs = networks.Select(NetworkProgram.For).ToArray();
        int n = cs.Count;
        if (n == 0) return [.. programs.Select(_ => Array.Empty<float>())];
        int branches = programs.Sum(p => p.Branches.Count);
        var scores = new float[(long)branches * n];
        lock (_lock)
        {
            var stream = _accelerator.DefaultStream;
            _uploaded.Clear(); // tensors are uploaded once per call, never trusted across calls
            // All weights in one upload; program k's block starts at bases[k].
            var bases = new int[programs.Length];
            int total = 0;
            for (int k = 0; k < programs.Length; k++) { bases[k] = total; total += programs[k].Block.Length; }
            var parameters = Grow(ref _params, total);
            for (int k = 0; k < programs.Length; k++) parameters.SubView(bases[k], programs[k].Block.Length).CopyFromCPU(stream, programs[k].Block);
            var outputs = Grow(ref _outputs, (long)branches * n);
            int b = 0;
            for (int k = 0; k < programs.Length; k++)
            {
                var p = parameters.SubView(bases[k], programs[k].Block.Length);
                foreach (var branch in programs[k].Branches)
                    Run(stream, p, branch, cs, outputs.SubView((long)b++ * n, n));
            }
            outputs.SubView(0, scores.Length).CopyToCPU(stream, scores);
            stream.Synchronize();
        }
        var result = new float[programs.Length][];
        for (int k = 0, b = 0; k < programs.Length; k++)
        {
            int count = programs[k].Branches.Count;
            if (count == 1) { result[k] = scores.AsSpan(b * n, n).ToArray(); b++; continue; }
            // The multi-task mean in the CPU model's order: 0 + o₀ + o₁ + …, then ÷ k in float.
            var score = new float[n];
            for (int t = 0; t < count; t++, b++)
                for (int i = 0; i < n; i++) score[i] += scores[(long)b * n + i];
            for (int i = 0; i < n; i++) score[i] /= count;
            result[k] = score;
        }
        return result;
    }

    // One branch: (features on the host → BatchNorm rows) → recurrent layer → head, on one stream.
    private void Run(AcceleratorStream stream, ArrayView<float> p, NetworkBranch branch, CrossSection cs, ArrayView<float> output)
    {
        int n = cs.Count;
        ArrayView<float> x;
        int steps;
        if (branch.Extraction is { } extraction)
        {
            var source = cs.Inputs[branch.Input];
            if (source.F != extraction.Features || source.T != extraction.Days)
                throw new ArgumentException($"{cs.Date:yyyy-MM-dd}: AlphaNet expects [n, {extraction.Days}, {extraction.Features}], got [n, {source.T}, {source.F}]");
            long size = (long)n * extraction.Steps * extraction.Width;
            var features = extraction.Forward(source.Data, n);
            var raw = Grow(ref _features, size).SubView(0, size);
            raw.CopyFromCPU(stream, features.AsSpan(0, (int)size));
            x = Grow(ref _normed, size).SubView(0, size);
            _normRows(stream, (int)size, p, branch.FeatureNorm!.Value, raw, x);
            steps = extraction.Steps;
        }
        else
        {
            var input = cs.Inputs[branch.Input];
            if (input.F != branch.Recurrent.Input)
                throw new ArgumentException($"{cs.Date:yyyy-MM-dd}: input {branch.Input} has {input.F} features, the network expects {branch.Recurrent.Input}");
            x = Input(stream, branch.Input, input);
            steps = input.T;
        }
        int h = branch.Recurrent.Hidden;
        var state = Grow(ref _state, 3L * h * n);
        var hidden = Grow(ref _hidden, (long)h * n);
        if (branch.Kind == RecurrentKind.Gru) _gru(stream, n, p, branch.Recurrent, x, steps, state, hidden, n);
        else _lstm(stream, n, p, branch.Recurrent, x, steps, state, hidden, n);
        _head(stream, n, p, branch.Head, hidden, n, output);
    }

    private readonly Dictionary<int, SequenceTensor> _uploaded = [];

    // Each input tensor of the cross-section goes up once per call, whatever number of branches read it.
    private ArrayView<float> Input(AcceleratorStream stream, int index, SequenceTensor tensor)
    {
        long size = tensor.Data.LongLength;
        if (!_inputs.TryGetValue(index, out var buffer) || buffer.Length < size)
        {
            buffer?.Dispose();
            _inputs[index] = buffer = _accelerator.Allocate1D<float>(Math.Max(size, buffer is null ? 1024 : 2 * buffer.Length));
            _uploaded.Remove(index);
        }
        var view = buffer.View.SubView(0, size);
        if (!_uploaded.TryGetValue(index, out var last) || !ReferenceEquals(last, tensor))
        {
            view.CopyFromCPU(stream, tensor.Data);
            _uploaded[index] = tensor;
        }
        return view;
    }

    private ArrayView<float> Grow(ref MemoryBuffer1D<float, Stride1D.Dense>? buffer, long n)
    {
        if (buffer is null || buffer.Length < n)
        {
            long size = Math.Max(n, buffer is null ? 1024 : 2 * buffer.Length);
            buffer?.Dispose();
            buffer = _accelerator.Allocate1D<float>(size);
        }
        return buffer.View;
    }

    public void Dispose()
    {
        foreach (var b in _inputs.Values) b.Dispose();
        _params?.Dispose(); _features?.Dispose(); _normed?.Dispose(); _state?.Dispose(); _hidden?.Dispose(); _outputs?.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }
}
