using ILGPU;

namespace Sig.Gpu.Inference;

/// <summary>Where a recurrent layer's weights sit in a network's parameter block (offsets in floats), and its sizes.</summary>
public struct RecurrentShape
{
    public int Input, Hidden;
    /// <summary>W_ih [gates·H, in], W_hh [gates·H, H], b_ih and b_hh [gates·H], PyTorch's row-major layout and gate order.</summary>
    public int WeightIh, WeightHh, BiasIh, BiasHh;
}

/// <summary>Where an evaluation-mode BatchNorm1d followed by Linear(C → 1) sits in the parameter block.</summary>
public struct HeadShape
{
    public int Channels;
    /// <summary>Running mean, 1/√(running var + ε) (computed on the host as the CPU layer does), γ, β; each C floats.</summary>
    public int Mean, InvStd, Gamma, Beta;
    /// <summary>The linear layer's weight row (C floats) and bias (one float).</summary>
    public int FcWeight, FcBias;
    /// <summary>1: a logistic sigmoid follows the linear layer.</summary>
    public int Sigmoid;
}

/// <summary>
/// Kernel (c): batched float32 inference. One thread owns one sample and writes only its own
/// words: no atomics, no shared accumulators, and every dot product runs over its inputs in
/// index order — the order of the CPU layers — so results do not depend on the launch geometry
/// and two runs on one device give the same bits. Per-sample states are field-major (unit j of
/// sample s at j·n + s), so a warp's threads touch consecutive words; weights are read by all
/// threads alike (broadcast).
/// </summary>
public static class InferenceKernels
{
    /// <summary>
    /// A one-layer GRU (gates r, z, n; h₀ = 0) over sample s's sequence x[s, 0..steps), x row-major
    /// [n, steps, in]; the last hidden state goes to hOut (field-major [H, n]). state holds two
    /// field-major [H, n] buffers (the step's old and new h).
    /// </summary>
    public static void Gru(Index1D s, ArrayView<float> p, RecurrentShape w, ArrayView<float> x, int steps, ArrayView<float> state, ArrayView<float> hOut, int n)
    {
        int h = w.Hidden, input = w.Input;
        long from = 0, to = (long)h * n;
        for (int j = 0; j < h; j++) state[(long)j * n + s.X] = 0f;
        for (int t = 0; t < steps; t++)
        {
            long xo = ((long)s.X * steps + t) * input;
            for (int j = 0; j < h; j++)
            {
                float ir = p[w.BiasIh + j], iz = p[w.BiasIh + h + j], ic = p[w.BiasIh + 2 * h + j];
                int wr = w.WeightIh + j * input, wz = w.WeightIh + (h + j) * input, wc = w.WeightIh + (2 * h + j) * input;
                for (int q = 0; q < input; q++)
                {
                    float v = x[xo + q];
                    ir += v * p[wr + q]; iz += v * p[wz + q]; ic += v * p[wc + q];
                }
                float hr = p[w.BiasHh + j], hz = p[w.BiasHh + h + j], hc = p[w.BiasHh + 2 * h + j];
                int ur = w.WeightHh + j * h, uz = w.WeightHh + (h + j) * h, uc = w.WeightHh + (2 * h + j) * h;
                for (int q = 0; q < h; q++)
                {
                    float v = state[from + (long)q * n + s.X];
                    hr += v * p[ur + q]; hz += v * p[uz + q]; hc += v * p[uc + q];
                }
                float r = DeviceActivations.Sigmoid(ir + hr), z = DeviceActivations.Sigmoid(iz + hz);
                float c = DeviceActivations.Tanh(r * hc + ic);
                float old = state[from + (long)j * n + s.X];
                state[to + (long)j * n + s.X] = z * (old - c) + c;
            }
            long swap = from; from = to; to = swap;
        }
        for (int j = 0; j < h; j++) hOut[(long)j * n + s.X] = state[from + (long)j * n + s.X];
    }

    /// <summary>
    /// A one-layer LSTM (gates i, f, g, o; h₀ = c₀ = 0) over sample s's sequence, as <see cref="Gru"/>;
    /// state holds three field-major [H, n] buffers (old h, new h, c).
    /// </summary>
    public static void Lstm(Index1D s, ArrayView<float> p, RecurrentShape w, ArrayView<float> x, int steps, ArrayView<float> state, ArrayView<float> hOut, int n)
    {
        int h = w.Hidden, input = w.Input;
        long from = 0, to = (long)h * n, cell = 2L * h * n;
        for (int j = 0; j < h; j++) { state[(long)j * n + s.X] = 0f; state[cell + (long)j * n + s.X] = 0f; }
        for (int t = 0; t < steps; t++)
        {
            long xo = ((long)s.X * steps + t) * input;
            for (int j = 0; j < h; j++)
            {
                float ai = p[w.BiasIh + j], af = p[w.BiasIh + h + j], ag = p[w.BiasIh + 2 * h + j], ao = p[w.BiasIh + 3 * h + j];
                int wi = w.WeightIh + j * input, wf = w.WeightIh + (h + j) * input, wg = w.WeightIh + (2 * h + j) * input, wo = w.WeightIh + (3 * h + j) * input;
                for (int q = 0; q < input; q++)
                {
                    float v = x[xo + q];
                    ai += v * p[wi + q]; af += v * p[wf + q]; ag += v * p[wg + q]; ao += v * p[wo + q];
                }
                float bi = p[w.BiasHh + j], bf = p[w.BiasHh + h + j], bg = p[w.BiasHh + 2 * h + j], bo = p[w.BiasHh + 3 * h + j];
                int ui = w.WeightHh + j * h, uf = w.WeightHh + (h + j) * h, ug = w.WeightHh + (2 * h + j) * h, uo = w.WeightHh + (3 * h + j) * h;
                for (int q = 0; q < h; q++)
                {
                    float v = state[from + (long)q * n + s.X];
                    bi += v * p[ui + q]; bf += v * p[uf + q]; bg += v * p[ug + q]; bo += v * p[uo + q];
                }
                float i = DeviceActivations.Sigmoid(ai + bi), f = DeviceActivations.Sigmoid(af + bf);
                float g = DeviceActivations.Tanh(ag + bg), o = DeviceActivations.Sigmoid(ao + bo);
                long cj = cell + (long)j * n + s;
                float c = i * g + f * state[cj];
                state[cj] = c;
                state[to + (long)j * n + s.X] = o * DeviceActivations.Tanh(c);
            }
            long swap = from; from = to; to = swap;
        }
        for (int j = 0; j < h; j++) hOut[(long)j * n + s.X] = state[from + (long)j * n + s.X];
    }

    /// <summary>
    /// Evaluation-mode BatchNorm1d then Linear(C → 1) (and a sigmoid when asked) over sample s's
    /// features h (field-major [C, n]); the score goes to output[s]. The normalization subtracts
    /// the running mean in double and rounds once, as the CPU layer does.
    /// </summary>
    public static void Head(Index1D s, ArrayView<float> p, HeadShape shape, ArrayView<float> h, int n, ArrayView<float> output)
    {
        float acc = 0f;
        for (int c = 0; c < shape.Channels; c++)
        {
            float xh = (float)(h[(long)c * n + s.X] - (double)p[shape.Mean + c]) * p[shape.InvStd + c];
            float y = xh * p[shape.Gamma + c] + p[shape.Beta + c];
            acc += y * p[shape.FcWeight + c];
        }
        float score = acc + p[shape.FcBias];
        output[s] = shape.Sigmoid != 0 ? DeviceActivations.Sigmoid(score) : score;
    }

    /// <summary>
    /// Evaluation-mode BatchNorm1d over rows of C channels (element i is channel i mod C of its
    /// row): y = (x − mean)·(1/√(var + ε))·γ + β, one element per thread.
    /// </summary>
    public static void BatchNormRows(Index1D i, ArrayView<float> p, HeadShape shape, ArrayView<float> x, ArrayView<float> y)
    {
        int c = (int)(i.X % shape.Channels);
        float xh = (float)(x[i] - (double)p[shape.Mean + c]) * p[shape.InvStd + c];
        y[i] = xh * p[shape.Gamma + c] + p[shape.Beta + c];
    }
}
