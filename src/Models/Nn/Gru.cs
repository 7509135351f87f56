using System.Numerics.Tensors;

namespace Sig.Models.Nn;

/// <summary>
/// One-layer, batch-first GRU with h₀ = 0 returning the last hidden state; PyTorch's equations,
/// gate order (r, z, n), parameter names and initialization U(−1/√H, 1/√H).
/// Input x is [n, t, in] row-major; output [n, H].
/// </summary>
public sealed class Gru
{
    private readonly RecurrentWeights _w;
    // Aliases of _w's sizes and padded copies, read on the hot path.
    private readonly int _in, _h, _g, _ldIn, _ldH;
    private readonly float[] _wtIh, _wtHh, _wIh, _wHh, _bIh, _bHh;
    private float[] _hs = [], _cache = [], _out = [];
    private float[][] _partials = [], _scratch = [];
    private float[] _total = [];
    private float[]? _x;
    private int _n, _t;

    public Gru(int inputSize, int hiddenSize)
    {
        _w = new RecurrentWeights(inputSize, hiddenSize, gates: 3);
        _in = inputSize; _h = hiddenSize; _g = _w.GateWidth; _ldIn = _w.InputStride; _ldH = _w.HiddenStride;
        _wtIh = _w.TransposedIh; _wtHh = _w.TransposedHh; _wIh = _w.PaddedIh; _wHh = _w.PaddedHh;
        _bIh = _w.PaddedBiasIh; _bHh = _w.PaddedBiasHh;
        _batch = GruBatchInference.Applies(hiddenSize) ? new GruBatchInference(_w) : null;
    }

    // The batched inference path where it applies (512-bit vectors, H ≥ 16); null: Infer runs sample by sample.
    private readonly GruBatchInference? _batch;

    /// <summary>Tests only: turns the batched inference path off to check the per-sample path on machines that have both.</summary>
    internal static bool DisableBatchInference { get; set; }

    public int InputSize => _in;
    public int HiddenSize => _h;
    public Parameter WeightIh => _w.WeightIh;
    public Parameter WeightHh => _w.WeightHh;
    public Parameter BiasIh => _w.BiasIh;
    public Parameter BiasHh => _w.BiasHh;
    public IReadOnlyList<Parameter> Parameters => _w.Parameters;

    /// <summary>PyTorch's default: every weight and bias U(−1/√H, 1/√H), drawn in parameter order.</summary>
    public void Init(SeededRandom rng) => _w.Init(rng);

    /// <summary>Runs the sequence; returns the last hidden state [n, H] (first n·H values of a buffer valid until the next call).</summary>
    public float[] Forward(float[] x, int n, int t)
    {
        if (x.Length < n * t * _in) throw new ArgumentException($"GRU input has {x.Length} values, needs {n}×{t}×{_in}");
        _x = x; _n = n; _t = t;
        Ensure(n, t);
        _w.Prepare();
        Compute.ForBlocks(n, ForwardBlock);
        return _out;
    }

    private void ForwardBlock(int b)
    {
        var s0 = b * Compute.BlockSize;
        var s1 = Math.Min(_n, s0 + Compute.BlockSize);
        var gi = _scratch[b].AsSpan(0, _g);
        var gh = _scratch[b].AsSpan(_g, _g);
        int H = _h;
        for (int s = s0; s < s1; s++)
        {
            var hs = _hs.AsSpan(s * (_t + 1) * H, (_t + 1) * H);
            hs[..H].Clear();
            for (int step = 0; step < _t; step++)
            {
                var h = hs.Slice(step * H, H);
                var hn = hs.Slice((step + 1) * H, H);
                Kernels.Gemv(_x.AsSpan((s * _t + step) * _in, _in), _wtIh, _g, _bIh, gi);
                Kernels.Gemv(h, _wtHh, _g, _bHh, gh);
                var c = _cache.AsSpan((s * _t + step) * 4 * H, 4 * H);
                CellUpdate(gi, gh, h, hn, H);
                gi[..(2 * H)].CopyTo(c); // r, z
                gi.Slice(2 * H, H).CopyTo(c.Slice(2 * H, H)); // n
                gh.Slice(2 * H, H).CopyTo(c.Slice(3 * H, H));
            }
            hs.Slice(_t * H, H).CopyTo(_out.AsSpan(s * H, H));
        }
    }

    /// <summary>
    /// Inference only: the last hidden state [n, H], bit for bit what <see cref="Forward"/> gives
    /// (same per-element operations in the same order), without storing the per-step states and
    /// gates that backward needs. Where <see cref="GruBatchInference"/> applies, 16 samples go
    /// through each GEMM and each gate non-linearity together; otherwise sample by sample, with
    /// two H-wide states in the block's scratch. Blocks of samples are spread over
    /// <see cref="Compute.Threads"/>; no sum crosses a sample, so the thread count changes no bit.
    /// Backward is not possible after it.
    /// </summary>
    public float[] Infer(float[] x, int n, int t)
    {
        if (x.Length < n * t * _in) throw new ArgumentException($"GRU input has {x.Length} values, needs {n}×{t}×{_in}");
        _x = null;
        _inferX = x; _n = n; _t = t;
        if (_out.Length < n * _h) _out = new float[n * _h];
        if (_batch is not null && !DisableBatchInference)
        {
            _batch.Prepare();
            var output = _out;
            Compute.ForBlocks(n, b => _batch.Run(x, t, b * Compute.BlockSize, Math.Min(n, (b + 1) * Compute.BlockSize), output));
            return output;
        }
        int blocks = Compute.Blocks(n);
        if (_scratch.Length < blocks)
            _scratch = [.. _scratch, .. Enumerable.Range(0, blocks - _scratch.Length).Select(_ => new float[2 * _g + 2 * _ldH + 2 * _ldIn])];
        _w.Prepare();
        Compute.ForBlocks(n, InferBlock);
        return _out;
    }

    /// <summary>
    /// The cell's element-wise step over <paramref name="width"/> lanes (one sample's H units, or
    /// a block's gate planes): r, z = σ(gi + gh); n = tanh(gi_n + r ⊙ gh_n); h' = n + z ⊙ (h − n).
    /// In place on <paramref name="gi"/> (r, z, n stay there for the backward cache); h' goes to
    /// <paramref name="hn"/>. The training forward and both inference paths call this one
    /// sequence, which is what keeps their bits equal.
    /// </summary>
    internal static void CellUpdate(Span<float> gi, ReadOnlySpan<float> gh, ReadOnlySpan<float> h, Span<float> hn, int width)
    {
        var rz = gi[..(2 * width)];
        TensorPrimitives.Add(rz, gh[..(2 * width)], rz);
        TensorPrimitives.Sigmoid(rz, rz);
        var nn = gi.Slice(2 * width, width);
        TensorPrimitives.MultiplyAdd(rz[..width], gh.Slice(2 * width, width), nn, nn);
        TensorPrimitives.Tanh(nn, nn);
        TensorPrimitives.Subtract(h, nn, hn);
        TensorPrimitives.MultiplyAdd(rz.Slice(width, width), hn, nn, hn);
    }

    private float[] _inferX = [];

    private void InferBlock(int b)
    {
        var s0 = b * Compute.BlockSize;
        var s1 = Math.Min(_n, s0 + Compute.BlockSize);
        var scratch = _scratch[b].AsSpan();
        var gi = scratch[.._g];
        var gh = scratch.Slice(_g, _g);
        int H = _h;
        var x = _inferX;
        for (int s = s0; s < s1; s++)
        {
            var h = scratch.Slice(2 * _g, H);
            var hn = scratch.Slice(2 * _g + _ldH, H);
            h.Clear();
            for (int step = 0; step < _t; step++)
            {
                Kernels.Gemv(x.AsSpan((s * _t + step) * _in, _in), _wtIh, _g, _bIh, gi);
                Kernels.Gemv(h, _wtHh, _g, _bHh, gh);
                CellUpdate(gi, gh, h, hn, H);
                var swap = h; h = hn; hn = swap;
            }
            h.CopyTo(_out.AsSpan(s * H, H));
        }
    }

    /// <summary>
    /// Back-propagates dL/dh_last [n, H] through time; adds to the parameter gradients and, when
    /// <paramref name="dx"/> is not empty, writes dL/dx [n, t, in].
    /// </summary>
    public void Backward(ReadOnlySpan<float> dhLast, Span<float> dx)
    {
        if (_x is null) throw new InvalidOperationException("GRU backward before forward");
        var dhCopy = _dhLast.Length >= _n * _h ? _dhLast : _dhLast = new float[_n * _h];
        dhLast[..(_n * _h)].CopyTo(dhCopy);
        var dxArr = dx.IsEmpty ? null : (_dx.Length >= _n * _t * _in ? _dx : _dx = new float[_n * _t * _in]);
        _wantDx = dxArr is not null;
        int blocks = Compute.Blocks(_n);
        Compute.ForBlocks(_n, BackwardBlock);
        int size = _w.GradientSize;
        Kernels.SumBlocks(_partials, blocks, _total.AsSpan(0, size));
        _w.AddGradients(_total.AsSpan(0, size));
        if (dxArr is not null) dxArr.AsSpan(0, _n * _t * _in).CopyTo(dx);
    }

    private float[] _dhLast = [], _dx = [];
    private bool _wantDx;

    private void BackwardBlock(int b)
    {
        var s0 = b * Compute.BlockSize;
        var s1 = Math.Min(_n, s0 + Compute.BlockSize);
        int H = _h, G = _g;
        var part = _partials[b].AsSpan(0, _w.GradientSize);
        part.Clear();
        var dWih = part[..(_in * G)];
        var dWhh = part.Slice(_in * G, _h * G);
        var dbIh = part.Slice((_in + _h) * G, G);
        var dbHh = part.Slice((_in + _h + 1) * G, G);
        var sc = _scratch[b];
        var gi = sc.AsSpan(0, G);
        var gh = sc.AsSpan(G, G);
        var dh = sc.AsSpan(2 * G, _ldH);
        var dhp = sc.AsSpan(2 * G + _ldH, _ldH);
        var dxt = sc.AsSpan(2 * G + 2 * _ldH, _ldIn);
        var zeroIn = sc.AsSpan(2 * G + 2 * _ldH + _ldIn, _ldIn);
        for (int s = s0; s < s1; s++)
        {
            dh.Clear();
            _dhLast.AsSpan(s * H, H).CopyTo(dh);
            var hs = _hs.AsSpan(s * (_t + 1) * H, (_t + 1) * H);
            for (int step = _t - 1; step >= 0; step--)
            {
                var c = _cache.AsSpan((s * _t + step) * 4 * H, 4 * H);
                var h = hs.Slice(step * H, H);
                for (int j = 0; j < H; j++)
                {
                    float r = c[j], z = c[H + j], nn = c[2 * H + j], ghn = c[3 * H + j], d = dh[j];
                    float dn = d * (1f - z);
                    float dz = d * (h[j] - nn);
                    dhp[j] = d * z;
                    float dnp = dn * (1f - nn * nn);
                    float drp = dnp * ghn * r * (1f - r);
                    float dzp = dz * z * (1f - z);
                    gi[j] = drp; gi[H + j] = dzp; gi[2 * H + j] = dnp;
                    gh[j] = drp; gh[H + j] = dzp; gh[2 * H + j] = dnp * r;
                }
                var xt = _x.AsSpan((s * _t + step) * _in, _in);
                Kernels.Rank1(xt, gi, G, dWih);
                Kernels.Rank1(h, gh, G, dWhh);
                Kernels.AddInPlace(gi, dbIh);
                Kernels.AddInPlace(gh, dbHh);
                Kernels.Gemv(gh[..(3 * H)], _wHh, _ldH, dhp, dh);
                if (_wantDx)
                {
                    Kernels.Gemv(gi[..(3 * H)], _wIh, _ldIn, zeroIn, dxt);
                    dxt[.._in].CopyTo(_dx.AsSpan((s * _t + step) * _in, _in));
                }
            }
        }
    }

    private void Ensure(int n, int t)
    {
        if (_hs.Length < n * (t + 1) * _h) _hs = new float[n * (t + 1) * _h];
        if (_cache.Length < n * t * 4 * _h) _cache = new float[n * t * 4 * _h];
        if (_out.Length < n * _h) _out = new float[n * _h];
        int blocks = Compute.Blocks(n);
        if (_partials.Length < blocks)
        {
            var size = _w.GradientSize;
            _partials = Enumerable.Range(0, blocks).Select(_ => new float[size]).ToArray();
            _scratch = Enumerable.Range(0, blocks).Select(_ => new float[2 * _g + 2 * _ldH + 2 * _ldIn]).ToArray();
            if (_total.Length < size) _total = new float[size];
        }
    }
}
