namespace Sig.Models.Nn;

/// <summary>
/// Ordinary least squares on X = [1, styles]: <see cref="Residualize"/> replaces v by v − X·β̂,
/// β̂ = (XᵀX)⁻¹Xᵀv, through a Cholesky factor of XᵀX that skips columns dependent on earlier ones.
/// Double precision throughout.
/// </summary>
public sealed class OlsProjector
{
    private readonly double[] _x;
    private readonly double[] _l;
    private readonly bool[] _dropped;
    private readonly int _n, _k;

    public OlsProjector(ReadOnlySpan<float> styles, int n, int styleCount)
    {
        _n = n; _k = styleCount + 1;
        _x = new double[n * _k];
        for (int i = 0; i < n; i++)
        {
            _x[i * _k] = 1;
            for (int j = 0; j < styleCount; j++) _x[i * _k + 1 + j] = styles[i * styleCount + j];
        }
        var a = new double[_k * _k];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < _k; p++)
                for (int q = 0; q <= p; q++) a[p * _k + q] += _x[i * _k + p] * _x[i * _k + q];
        _l = new double[_k * _k];
        _dropped = new bool[_k];
        for (int j = 0; j < _k; j++)
        {
            double s = a[j * _k + j];
            for (int p = 0; p < j; p++) if (!_dropped[p]) s -= _l[j * _k + p] * _l[j * _k + p];
            if (s <= 1e-10 * Math.Max(a[j * _k + j], 1e-300)) { _dropped[j] = true; continue; }
            double d = Math.Sqrt(s);
            _l[j * _k + j] = d;
            for (int i = j + 1; i < _k; i++)
            {
                double t = a[i * _k + j];
                for (int p = 0; p < j; p++) if (!_dropped[p]) t -= _l[i * _k + p] * _l[j * _k + p];
                _l[i * _k + j] = t / d;
            }
        }
    }

    /// <summary>v ← v − X(XᵀX)⁻¹Xᵀv.</summary>
    public void Residualize(Span<double> v)
    {
        var b = new double[_k];
        for (int i = 0; i < _n; i++)
            for (int p = 0; p < _k; p++) b[p] += _x[i * _k + p] * v[i];
        for (int j = 0; j < _k; j++)
        {
            if (_dropped[j]) { b[j] = 0; continue; }
            double t = b[j];
            for (int p = 0; p < j; p++) if (!_dropped[p]) t -= _l[j * _k + p] * b[p];
            b[j] = t / _l[j * _k + j];
        }
        for (int j = _k - 1; j >= 0; j--)
        {
            if (_dropped[j]) { b[j] = 0; continue; }
            double t = b[j];
            for (int p = j + 1; p < _k; p++) if (!_dropped[p]) t -= _l[p * _k + j] * b[p];
            b[j] = t / _l[j * _k + j];
        }
        for (int i = 0; i < _n; i++)
        {
            double fit = 0;
            for (int p = 0; p < _k; p++) fit += _x[i * _k + p] * b[p];
            v[i] -= fit;
        }
    }
}
