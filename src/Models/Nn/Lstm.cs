using System.Numerics.Tensors;

namespace Sig.Models.Nn;

/// <summary>
/// One-layer, batch-first LSTM with h₀ = c₀ = 0 returning the last hidden state; PyTorch's
/// equations, gate order (i, f, g, o), parameter names and initialization U(−1/√H, 1/√H).
/// Input x is [n, t, in] row-major; output [n, H].
/// </summary>
public sealed class Lstm
{
    private readonly RecurrentWeights _w;
    // Aliases of _w's sizes and padded copies, read on the hot path.
    private readonly int _in, _h, _g, _ldIn, _ldH;
    private readonly float[] _wtIh, _wtHh, _wIh, _wHh, _bIh, _bHh;
    private float[] _hs = [], _cs = [], _gates = [], _out = [], _dhLast = [], _dx = [], _total = [];
    private float[][] _partials = [], _scratch = [];
    private float[]? _x;
    private int _n, _t;
    private bool _wantDx;

    public Lstm(int inputSize, int hiddenSize)
    {
        _w = new RecurrentWeights(inputSize, hiddenSize, gates: 4);
        _in = inputSize; _h = hiddenSize; _g = _w.GateWidth; _ldIn = _w.InputStride; _ldH = _w.HiddenStride;
        _wtIh = _w.TransposedIh; _wtHh = _w.TransposedHh; _wIh = _w.PaddedIh; _wHh = _w.PaddedHh;
        _bIh = _w.PaddedBiasIh; _bHh = _w.PaddedBiasHh;
    }

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
        if (x.Length < n * t * _in) throw new ArgumentException($"LSTM input has {x.Length} values, needs {n}×{t}×{_in}");
        _x = x; _n = n; _t = t;
        Ensure(n, t);
        _w.Prepare();
        Compute.ForBlocks(n, ForwardBlock);
        return _out;
    }

    private void ForwardBlock(int b)
    {
        int s0 = b * Compute.BlockSize, s1 = Math.Min(_n, s0 + Compute.BlockSize), H = _h;
        var gi = _scratch[b].AsSpan(0, _g);
        var gh = _scratch[b].AsSpan(_g, _g);
        for (int s = s0; s < s1; s++)
        {
            var hs = _hs.AsSpan(s * (_t + 1) * H, (_t + 1) * H);
            var cs = _cs.AsSpan(s * (_t + 1) * H, (_t + 1) * H);
            hs[..H].Clear(); cs[..H].Clear();
            for (int step = 0; step < _t; step++)
            {
                var h = hs.Slice(step * H, H);
                Kernels.Gemv(_x.AsSpan((s * _t + step) * _in, _in), _wtIh, _g, _bIh, gi);
                Kernels.Gemv(h, _wtHh, _g, _bHh, gh);
                var gate = _gates.AsSpan((s * _t + step) * 4 * H, 4 * H);
                var c = cs.Slice(step * H, H);
                var cn = cs.Slice((step + 1) * H, H);
                var hn = hs.Slice((step + 1) * H, H);
                // i, f, o = σ(·), g = tanh(·); c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c'); all SIMD.
                var a = gi[..(4 * H)];
                TensorPrimitives.Add(a, gh[..(4 * H)], a);
                TensorPrimitives.Sigmoid(a[..(2 * H)], a[..(2 * H)]);
                TensorPrimitives.Tanh(a.Slice(2 * H, H), a.Slice(2 * H, H));
                TensorPrimitives.Sigmoid(a.Slice(3 * H, H), a.Slice(3 * H, H));
                TensorPrimitives.Multiply(a.Slice(H, H), c, cn);
                TensorPrimitives.MultiplyAdd(a[..H], a.Slice(2 * H, H), cn, cn);
                TensorPrimitives.Tanh(cn, hn);
                TensorPrimitives.Multiply(a.Slice(3 * H, H), hn, hn);
                a.CopyTo(gate);
            }
            hs.Slice(_t * H, H).CopyTo(_out.AsSpan(s * H, H));
        }
    }

    /// <summary>
    /// Back-propagates dL/dh_last [n, H] through time; adds to the parameter gradients and, when
    /// <paramref name="dx"/> is not empty, writes dL/dx [n, t, in].
    /// </summary>
    public void Backward(ReadOnlySpan<float> dhLast, Span<float> dx)
    {
        if (_x is null) throw new InvalidOperationException("LSTM backward before forward");
        if (_dhLast.Length < _n * _h) _dhLast = new float[_n * _h];
        dhLast[..(_n * _h)].CopyTo(_dhLast);
        _wantDx = !dx.IsEmpty;
        if (_wantDx && _dx.Length < _n * _t * _in) _dx = new float[_n * _t * _in];
        int blocks = Compute.Blocks(_n);
        Compute.ForBlocks(_n, BackwardBlock);
        int size = _w.GradientSize;
        Kernels.SumBlocks(_partials, blocks, _total.AsSpan(0, size));
        _w.AddGradients(_total.AsSpan(0, size));
        if (_wantDx) _dx.AsSpan(0, _n * _t * _in).CopyTo(dx);
    }

    /// <summary><see cref="Backward"/> returning dL/dx [n, t, in] in a buffer valid until the next call.</summary>
    public float[] BackwardToInput(ReadOnlySpan<float> dhLast)
    {
        if (_dxOut.Length < _n * _t * _in) _dxOut = new float[_n * _t * _in];
        Backward(dhLast, _dxOut.AsSpan(0, _n * _t * _in));
        return _dxOut;
    }

    private float[] _dxOut = [];

    private void BackwardBlock(int b)
    {
        int s0 = b * Compute.BlockSize, s1 = Math.Min(_n, s0 + Compute.BlockSize), H = _h, G = _g;
        var part = _partials[b].AsSpan(0, _w.GradientSize);
        part.Clear();
        var dWih = part[..(_in * G)];
        var dWhh = part.Slice(_in * G, _h * G);
        var dbIh = part.Slice((_in + _h) * G, G);
        var dbHh = part.Slice((_in + _h + 1) * G, G);
        var sc = _scratch[b];
        var gp = sc.AsSpan(0, G);
        var dh = sc.AsSpan(2 * G, _ldH);
        var dc = sc.AsSpan(2 * G + _ldH, _ldH);
        var zeroH = sc.AsSpan(2 * G + 2 * _ldH, _ldH);
        var dxt = sc.AsSpan(2 * G + 3 * _ldH, _ldIn);
        var zeroIn = sc.AsSpan(2 * G + 3 * _ldH + _ldIn, _ldIn);
        for (int s = s0; s < s1; s++)
        {
            dh.Clear(); dc.Clear();
            _dhLast.AsSpan(s * H, H).CopyTo(dh);
            var hs = _hs.AsSpan(s * (_t + 1) * H, (_t + 1) * H);
            var cs = _cs.AsSpan(s * (_t + 1) * H, (_t + 1) * H);
            for (int step = _t - 1; step >= 0; step--)
            {
                var gate = _gates.AsSpan((s * _t + step) * 4 * H, 4 * H);
                var cPrev = cs.Slice(step * H, H);
                var cNew = cs.Slice((step + 1) * H, H);
                for (int j = 0; j < H; j++)
                {
                    float i = gate[j], f = gate[H + j], g = gate[2 * H + j], o = gate[3 * H + j];
                    float tc = MathF.Tanh(cNew[j]);
                    float dcj = dc[j] + dh[j] * o * (1f - tc * tc);
                    float dO = dh[j] * tc;
                    gp[j] = dcj * g * i * (1f - i);
                    gp[H + j] = dcj * cPrev[j] * f * (1f - f);
                    gp[2 * H + j] = dcj * i * (1f - g * g);
                    gp[3 * H + j] = dO * o * (1f - o);
                    dc[j] = dcj * f;
                }
                Kernels.Rank1(_x.AsSpan((s * _t + step) * _in, _in), gp, G, dWih);
                Kernels.Rank1(hs.Slice(step * H, H), gp, G, dWhh);
                Kernels.AddInPlace(gp, dbIh);
                Kernels.AddInPlace(gp, dbHh);
                Kernels.Gemv(gp[..(4 * H)], _wHh, _ldH, zeroH, dh);
                if (_wantDx)
                {
                    Kernels.Gemv(gp[..(4 * H)], _wIh, _ldIn, zeroIn, dxt);
                    dxt[.._in].CopyTo(_dx.AsSpan((s * _t + step) * _in, _in));
                }
            }
        }
    }

    private void Ensure(int n, int t)
    {
        if (_hs.Length < n * (t + 1) * _h) { _hs = new float[n * (t + 1) * _h]; _cs = new float[n * (t + 1) * _h]; }
        if (_gates.Length < n * t * 4 * _h) _gates = new float[n * t * 4 * _h];
        if (_out.Length < n * _h) _out = new float[n * _h];
        int blocks = Compute.Blocks(n);
        if (_partials.Length < blocks)
        {
            var size = _w.GradientSize;
            _partials = Enumerable.Range(0, blocks).Select(_ => new float[size]).ToArray();
            _scratch = Enumerable.Range(0, blocks).Select(_ => new float[2 * _g + 3 * _ldH + 2 * _ldIn]).ToArray();
            if (_total.Length < size) _total = new float[size];
        }
    }
}
