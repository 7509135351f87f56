namespace Sig.Models.Nn;

/// <summary>
/// The four parameters of a one-layer recurrent cell with <c>gates</c> stacked gates (GRU: 3, LSTM: 4)
/// under PyTorch's names, PyTorch's initialization, and the padded copies the SIMD kernels read:
/// transposed and padded to the gate width for the forward pass, row-padded for the backward pass.
/// </summary>
public sealed class RecurrentWeights
{
    public RecurrentWeights(int inputSize, int hiddenSize, int gates)
    {
        InputSize = inputSize; HiddenSize = hiddenSize; Rows = gates * hiddenSize;
        GateWidth = Kernels.Pad(Rows); InputStride = Kernels.Pad(inputSize); HiddenStride = Kernels.Pad(hiddenSize);
        WeightIh = new Parameter("weight_ih_l0", [Rows, inputSize]);
        WeightHh = new Parameter("weight_hh_l0", [Rows, hiddenSize]);
        BiasIh = new Parameter("bias_ih_l0", [Rows]);
        BiasHh = new Parameter("bias_hh_l0", [Rows]);
        Parameters = [WeightIh, WeightHh, BiasIh, BiasHh];
        TransposedIh = new float[inputSize * GateWidth]; TransposedHh = new float[hiddenSize * GateWidth];
        PaddedIh = new float[Rows * InputStride]; PaddedHh = new float[Rows * HiddenStride];
        PaddedBiasIh = new float[GateWidth]; PaddedBiasHh = new float[GateWidth];
    }

    public int InputSize { get; }
    public int HiddenSize { get; }
    /// <summary>gates × hidden: the rows of the weight matrices.</summary>
    public int Rows { get; }
    /// <summary>Rows padded to the kernels' vector width.</summary>
    public int GateWidth { get; }
    public int InputStride { get; }
    public int HiddenStride { get; }
    public Parameter WeightIh { get; }
    public Parameter WeightHh { get; }
    public Parameter BiasIh { get; }
    public Parameter BiasHh { get; }
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Wᵢₕᵀ and Wₕₕᵀ, [in, G] and [H, G] (forward).</summary>
    public float[] TransposedIh { get; }
    public float[] TransposedHh { get; }
    /// <summary>Wᵢₕ and Wₕₕ with rows padded, [rows, in'] and [rows, H'] (backward).</summary>
    public float[] PaddedIh { get; }
    public float[] PaddedHh { get; }
    public float[] PaddedBiasIh { get; }
    public float[] PaddedBiasHh { get; }

    /// <summary>Values per block of the gradient partials: Wᵢₕᵀ, Wₕₕᵀ and the two biases, each G wide.</summary>
    public int GradientSize => (InputSize + HiddenSize + 2) * GateWidth;

    /// <summary>PyTorch's default: every weight and bias U(−1/√H, 1/√H), drawn in parameter order.</summary>
    public void Init(SeededRandom rng)
    {
        float bound = 1f / MathF.Sqrt(HiddenSize);
        foreach (var p in Parameters) Nn.Parameters.Uniform(p, bound, rng);
    }

    /// <summary>Refreshes the padded copies from the parameter values (before each forward pass).</summary>
    public void Prepare()
    {
        Kernels.TransposePadded(WeightIh.Value, Rows, InputSize, GateWidth, TransposedIh);
        Kernels.TransposePadded(WeightHh.Value, Rows, HiddenSize, GateWidth, TransposedHh);
        Kernels.PadRows(WeightIh.Value, Rows, InputSize, InputStride, PaddedIh);
        Kernels.PadRows(WeightHh.Value, Rows, HiddenSize, HiddenStride, PaddedHh);
        BiasIh.Value.CopyTo(PaddedBiasIh, 0); BiasHh.Value.CopyTo(PaddedBiasHh, 0);
    }

    /// <summary>Adds the block-summed partials (<see cref="GradientSize"/> values, transposed layout) to the parameter gradients.</summary>
    public void AddGradients(ReadOnlySpan<float> total)
    {
        int g = GateWidth, inG = InputSize * g, hG = HiddenSize * g;
        Kernels.AddTransposed(total.Slice(0, inG), Rows, InputSize, g, WeightIh.Grad);
        Kernels.AddTransposed(total.Slice(inG, hG), Rows, HiddenSize, g, WeightHh.Grad);
        for (int j = 0; j < Rows; j++)
        {
            BiasIh.Grad[j] += total[inG + hG + j];
            BiasHh.Grad[j] += total[inG + hG + g + j];
        }
    }
}
