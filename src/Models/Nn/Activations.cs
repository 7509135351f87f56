namespace Sig.Models.Nn;

/// <summary>Element-wise logistic sigmoid with its backward from the saved output.</summary>
public sealed class Sigmoid
{
    private float[] _y = [], _dx = [];
    private int _m;

    public float[] Forward(ReadOnlySpan<float> x)
    {
        _m = x.Length;
        if (_y.Length < _m) _y = new float[_m];
        for (int i = 0; i < _m; i++) _y[i] = Kernels.Sigmoid(x[i]);
        return _y;
    }

    public float[] Backward(ReadOnlySpan<float> dy)
    {
        if (_dx.Length < _m) _dx = new float[_m];
        for (int i = 0; i < _m; i++) _dx[i] = dy[i] * _y[i] * (1f - _y[i]);
        return _dx;
    }
}

/// <summary>
/// Inverted dropout as in PyTorch: in training each value is zeroed with probability p and the
/// survivors scaled by 1/(1 − p); identity in evaluation. The mask comes from a seeded generator
/// (or is given, for checks against a reference).
/// </summary>
public sealed class Dropout
{
    private float[] _mask = [], _y = [], _dx = [];
    private int _m;
    private bool _training;

    public Dropout(float p)
    {
        if (p is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(p), "dropout probability must be in [0, 1)");
        P = p;
    }

    public float P { get; }

    /// <summary>The mask of the last training forward (0 or 1/(1 − p) per value).</summary>
    public ReadOnlySpan<float> Mask => _mask.AsSpan(0, _m);

    public float[] Forward(ReadOnlySpan<float> x, bool training, SeededRandom rng)
    {
        Prepare(x.Length, training);
        if (training)
        {
            float keep = 1f / (1f - P);
            for (int i = 0; i < _m; i++) _mask[i] = rng.NextDouble() < P ? 0f : keep;
        }
        return Apply(x);
    }

    /// <summary>Training forward with a given mask (values 0 or 1/(1 − p)).</summary>
    public float[] Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> mask)
    {
        Prepare(x.Length, true);
        mask[.._m].CopyTo(_mask);
        return Apply(x);
    }

    private void Prepare(int m, bool training)
    {
        _m = m; _training = training;
        if (_y.Length < m) { _y = new float[m]; _mask = new float[m]; _dx = new float[m]; }
    }

    private float[] Apply(ReadOnlySpan<float> x)
    {
        for (int i = 0; i < _m; i++) _y[i] = _training ? x[i] * _mask[i] : x[i];
        return _y;
    }

    public float[] Backward(ReadOnlySpan<float> dy)
    {
        for (int i = 0; i < _m; i++) _dx[i] = _training ? dy[i] * _mask[i] : dy[i];
        return _dx;
    }
}
