namespace Sig.Models.Nn;

/// <summary>y = x·Wᵀ + b over rows of x [m, in] → [m, out]; PyTorch init U(−1/√in, 1/√in) for W and b.</summary>
public sealed class Linear
{
    private readonly int _in, _out;
    private float[] _y = [], _dx = [];
    private float[]? _x;
    private int _m;

    public Linear(int inFeatures, int outFeatures)
    {
        _in = inFeatures; _out = outFeatures;
        Weight = new Parameter("weight", [outFeatures, inFeatures]);
        Bias = new Parameter("bias", [outFeatures]);
        Parameters = [Weight, Bias];
    }

    public Parameter Weight { get; }
    public Parameter Bias { get; }
    public IReadOnlyList<Parameter> Parameters { get; }

    public void Init(SeededRandom rng)
    {
        float bound = 1f / MathF.Sqrt(_in);
        Nn.Parameters.Uniform(Weight, bound, rng);
        Nn.Parameters.Uniform(Bias, bound, rng);
    }

    /// <summary>The output rows [m, out] (valid until the next call); keeps a reference to <paramref name="x"/> for backward.</summary>
    public float[] Forward(float[] x, int m)
    {
        _x = x; _m = m;
        if (_y.Length < m * _out) _y = new float[m * _out];
        var w = Weight.Value;
        for (int r = 0; r < m; r++)
        {
            var xr = x.AsSpan(r * _in, _in);
            for (int o = 0; o < _out; o++)
            {
                float acc = 0f;
                var wr = w.AsSpan(o * _in, _in);
                for (int k = 0; k < _in; k++) acc += xr[k] * wr[k];
                _y[r * _out + o] = acc + Bias.Value[o];
            }
        }
        return _y;
    }

    /// <summary>Adds dW, db; returns dL/dx [m, in] (valid until the next call).</summary>
    public float[] Backward(ReadOnlySpan<float> dy)
    {
        if (_x is null) throw new InvalidOperationException("Linear backward before forward");
        if (_dx.Length < _m * _in) _dx = new float[_m * _in];
        Array.Clear(_dx, 0, _m * _in);
        var w = Weight.Value;
        for (int r = 0; r < _m; r++)
        {
            var xr = _x.AsSpan(r * _in, _in);
            var dxr = _dx.AsSpan(r * _in, _in);
            for (int o = 0; o < _out; o++)
            {
                float g = dy[r * _out + o];
                Bias.Grad[o] += g;
                var dwr = Weight.Grad.AsSpan(o * _in, _in);
                var wr = w.AsSpan(o * _in, _in);
                for (int k = 0; k < _in; k++)
                {
                    dwr[k] += g * xr[k];
                    dxr[k] += g * wr[k];
                }
            }
        }
        return _dx;
    }
}
