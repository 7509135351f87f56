namespace Sig.Models.Nn;

/// <summary>
/// AlphaNet feature extraction over a data picture x [n, T, F] (T days, F features): for every
/// window of <c>Window</c> days (stride <c>Stride</c>) it emits, in this order,
/// ts_corr for every selected pair, ts_cov for every selected pair, then ts_stddev, ts_zscore,
/// ts_return and ts_decaylinear for every feature. Output [n, steps, 2·P + 4·F].
/// Population statistics (÷d). A constant series has std 0: its ts_corr and ts_zscore are 0
/// (gradient 0), and ts_stddev's gradient is 0 there; ts_return is 0 (gradient 0) when the first
/// value is 0. Computed in double, stored in float.
/// </summary>
public sealed class AlphaNetExtraction
{
    private readonly (int A, int B)[] _pairs;
    private readonly double[] _decay;
    private float[] _y = [], _dx = [];
    private float[]? _x;
    private int _n;

    // pairFeatures: the features whose unordered pairs feed ts_corr/ts_cov (null: all F).
    public AlphaNetExtraction(int features, int days, int window = 10, int stride = 10, IReadOnlyList<int>? pairFeatures = null)
    {
        if (window < 2 || stride < 1 || days < window) throw new ArgumentException($"AlphaNet extraction: window {window}, stride {stride}, days {days} do not fit");
        Features = features; Days = days; Window = window; Stride = stride;
        var sel = (pairFeatures ?? Enumerable.Range(0, features).ToArray()).ToArray();
        if (sel.Any(f => f < 0 || f >= features) || sel.Distinct().Count() != sel.Length || !sel.SequenceEqual(sel.Order()))
            throw new ArgumentException("AlphaNet pair features must be distinct, ascending and < F");
        PairFeatures = sel;
        var pairs = new List<(int, int)>();
        for (int a = 0; a < sel.Length; a++) for (int b = a + 1; b < sel.Length; b++) pairs.Add((sel[a], sel[b]));
        _pairs = pairs.ToArray();
        Steps = (days - window) / stride + 1;
        Width = 2 * _pairs.Length + 4 * features;
        double total = window * (window + 1) / 2.0;
        _decay = Enumerable.Range(1, window).Select(k => k / total).ToArray();
    }

    public int Features { get; }
    public int Days { get; }
    public int Window { get; }
    public int Stride { get; }
    public int Steps { get; }
    public int Width { get; }
    public IReadOnlyList<int> PairFeatures { get; }
    public int PairCount => _pairs.Length;

    /// <summary>Output [n, Steps, Width] (valid until the next call).</summary>
    public float[] Forward(float[] x, int n)
    {
        if (x.Length < n * Days * Features) throw new ArgumentException($"AlphaNet input has {x.Length} values, needs {n}×{Days}×{Features}");
        _x = x; _n = n;
        if (_y.Length < n * Steps * Width) _y = new float[n * Steps * Width];
        Compute.ForBlocks(n, b => Run(b, forward: true, []));
        return _y;
    }

    /// <summary>dL/dx [n, T, F] from dL/dy [n, Steps, Width] (valid until the next call).</summary>
    public float[] Backward(float[] dy)
    {
        if (_x is null) throw new InvalidOperationException("AlphaNet extraction backward before forward");
        if (_dx.Length < _n * Days * Features) _dx = new float[_n * Days * Features];
        Array.Clear(_dx, 0, _n * Days * Features);
        Compute.ForBlocks(_n, b => Run(b, forward: false, dy));
        return _dx;
    }

    private void Run(int block, bool forward, float[] dy)
    {
        int d = Window, F = Features, P = _pairs.Length;
        var cen = new double[F * d];
        var std = new double[F];
        var mean = new double[F];
        var constant = new bool[F];
        var dxw = new double[F * d];
        int s0 = block * Compute.BlockSize, s1 = Math.Min(_n, s0 + Compute.BlockSize);
        for (int s = s0; s < s1; s++)
            for (int step = 0; step < Steps; step++)
            {
                int t0 = step * Stride;
                for (int f = 0; f < F; f++)
                {
                    double sum = 0;
                    bool same = true;
                    float first = X(s, t0, f);
                    for (int k = 0; k < d; k++) { float v = X(s, t0 + k, f); sum += v; same &= v == first; }
                    double m = sum / d, ss = 0;
                    for (int k = 0; k < d; k++) { double c = X(s, t0 + k, f) - m; cen[f * d + k] = c; ss += c * c; }
                    mean[f] = m; constant[f] = same;
                    std[f] = same ? 0 : Math.Sqrt(ss / d);
                }
                int o = (s * Steps + step) * Width;
                if (forward) WriteOutputs(s, t0, o, cen, std, mean, constant);
                else AddGradients(s, t0, o, dy, cen, std, mean, constant, dxw);
            }
    }

    private float X(int s, int t, int f) => _x![(s * Days + t) * Features + f];

    private double Cov(double[] cen, int a, int b)
    {
        double acc = 0;
        for (int k = 0; k < Window; k++) acc += cen[a * Window + k] * cen[b * Window + k];
        return acc / Window;
    }

    private void WriteOutputs(int s, int t0, int o, double[] cen, double[] std, double[] mean, bool[] constant)
    {
        int d = Window, F = Features, P = _pairs.Length;
        for (int p = 0; p < P; p++)
        {
            var (a, b) = _pairs[p];
            double cov = Cov(cen, a, b);
            _y[o + P + p] = (float)cov;
            _y[o + p] = constant[a] || constant[b] ? 0f : (float)(cov / (std[a] * std[b]));
        }
        int q = o + 2 * P;
        for (int f = 0; f < F; f++)
        {
            _y[q + f] = (float)std[f];
            _y[q + F + f] = constant[f] ? 0f : (float)(mean[f] / std[f]);
            float first = X(s, t0, f), last = X(s, t0 + d - 1, f);
            _y[q + 2 * F + f] = first == 0f ? 0f : (float)((double)last / first - 1.0);
            double dl = 0;
            for (int k = 0; k < d; k++) dl += _decay[k] * X(s, t0 + k, f);
            _y[q + 3 * F + f] = (float)dl;
        }
    }

    private void AddGradients(int s, int t0, int o, float[] dy, double[] cen, double[] std, double[] mean, bool[] constant, double[] dxw)
    {
        int d = Window, F = Features, P = _pairs.Length;
        Array.Clear(dxw);
        for (int p = 0; p < P; p++)
        {
            var (a, b) = _pairs[p];
            double gCov = dy[o + P + p], gCorr = dy[o + p];
            double ca = gCov / d, cb = gCov / d, ra = 0, rb = 0;
            if (!(constant[a] || constant[b]))
            {
                double sab = std[a] * std[b];
                double corr = Cov(cen, a, b) / sab;
                ca += gCorr / (d * sab); cb += gCorr / (d * sab);
                ra = -gCorr * corr / (d * std[a] * std[a]);
                rb = -gCorr * corr / (d * std[b] * std[b]);
            }
            // d cov/d x_a,k = cen_b,k / d; d corr/d x_a,k = cen_b,k/(d·sa·sb) − corr·cen_a,k/(d·sa²)
            for (int k = 0; k < d; k++)
            {
                dxw[a * d + k] += ca * cen[b * d + k] + ra * cen[a * d + k];
                dxw[b * d + k] += cb * cen[a * d + k] + rb * cen[b * d + k];
            }
        }
        int q = o + 2 * P;
        for (int f = 0; f < F; f++)
        {
            double gStd = dy[q + f], gZ = dy[q + F + f], gRet = dy[q + 2 * F + f], gDecay = dy[q + 3 * F + f];
            if (!constant[f])
            {
                double sd = std[f];
                for (int k = 0; k < d; k++)
                {
                    double c = cen[f * d + k];
                    dxw[f * d + k] += gStd * c / (d * sd) + gZ * (1.0 / (d * sd) - mean[f] * c / (d * sd * sd * sd));
                }
            }
            double first = X(s, t0, f), last = X(s, t0 + d - 1, f);
            if (first != 0)
            {
                dxw[f * d + d - 1] += gRet / first;
                dxw[f * d] += -gRet * last / (first * first);
            }
            for (int k = 0; k < d; k++) dxw[f * d + k] += gDecay * _decay[k];
        }
        for (int f = 0; f < F; f++)
            for (int k = 0; k < d; k++) _dx[(s * Days + t0 + k) * F + f] += (float)dxw[f * d + k];
    }
}
