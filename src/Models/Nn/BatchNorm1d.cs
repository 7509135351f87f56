namespace Sig.Models.Nn;

/// <summary>
/// PyTorch's BatchNorm1d over rows of x [m, C] (m = batch × length for sequence inputs laid out
/// [n, L, C]). Training: batch mean and biased variance; running mean/var updated with momentum
/// 0.1, the running variance from the unbiased variance. Eval: running statistics. eps 1e-5;
/// γ = 1, β = 0 at init. Statistics are accumulated in double in row order.
/// </summary>
public sealed class BatchNorm1d
{
    public const float Eps = 1e-5f;
    public const float Momentum = 0.1f;
    private readonly int _c;
    private float[] _y = [], _xhat = [], _dx = [];
    private readonly float[] _invStd;
    private readonly double[] _mean, _var, _sumDy, _sumDyXhat;
    private int _m;
    private bool _training;

    public BatchNorm1d(int channels)
    {
        _c = channels;
        Weight = new Parameter("weight", [channels]);
        Bias = new Parameter("bias", [channels]);
        RunningMean = new Parameter("running_mean", [channels], StateKind.Buffer);
        RunningVar = new Parameter("running_var", [channels], StateKind.Buffer);
        BatchesTracked = new Parameter("num_batches_tracked", [], StateKind.Counter);
        Parameters = [Weight, Bias, RunningMean, RunningVar, BatchesTracked];
        _invStd = new float[channels];
        _mean = new double[channels]; _var = new double[channels];
        _sumDy = new double[channels]; _sumDyXhat = new double[channels];
        Init();
    }

    public Parameter Weight { get; }
    public Parameter Bias { get; }
    public Parameter RunningMean { get; }
    public Parameter RunningVar { get; }
    public Parameter BatchesTracked { get; }
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>γ = 1, β = 0, running mean 0, running var 1, no batches tracked.</summary>
    public void Init()
    {
        Array.Fill(Weight.Value, 1f); Array.Clear(Bias.Value);
        Array.Clear(RunningMean.Value); Array.Fill(RunningVar.Value, 1f);
        BatchesTracked.Value[0] = 0;
    }

    public float[] Forward(float[] x, int m, bool training)
    {
        if (training && m < 2) throw new ArgumentException($"BatchNorm1d in training needs more than one value per channel (got {m})");
        _m = m; _training = training;
        if (_y.Length < m * _c) { _y = new float[m * _c]; _xhat = new float[m * _c]; }
        var mean = _mean;
        var varc = _var;
        Array.Clear(mean); Array.Clear(varc);
        if (training)
        {
            for (int r = 0; r < m; r++) for (int c = 0; c < _c; c++) mean[c] += x[r * _c + c];
            for (int c = 0; c < _c; c++) mean[c] /= m;
            for (int r = 0; r < m; r++) for (int c = 0; c < _c; c++) { double d = x[r * _c + c] - mean[c]; varc[c] += d * d; }
            for (int c = 0; c < _c; c++)
            {
                double v = varc[c] / m;
                _invStd[c] = (float)(1.0 / Math.Sqrt(v + Eps));
                RunningMean.Value[c] = (1 - Momentum) * RunningMean.Value[c] + Momentum * (float)mean[c];
                RunningVar.Value[c] = (1 - Momentum) * RunningVar.Value[c] + Momentum * (float)(varc[c] / (m - 1));
            }
            BatchesTracked.Value[0] += 1;
        }
        else
        {
            for (int c = 0; c < _c; c++)
            {
                mean[c] = RunningMean.Value[c];
                _invStd[c] = 1f / MathF.Sqrt(RunningVar.Value[c] + Eps);
            }
        }
        for (int r = 0; r < m; r++)
            for (int c = 0; c < _c; c++)
            {
                int i = r * _c + c;
                float xh = (float)(x[i] - mean[c]) * _invStd[c];
                _xhat[i] = xh;
                _y[i] = xh * Weight.Value[c] + Bias.Value[c];
            }
        return _y;
    }

    /// <summary>Adds dγ, dβ; returns dL/dx (valid until the next call).</summary>
    public float[] Backward(ReadOnlySpan<float> dy)
    {
        int m = _m;
        if (_dx.Length < m * _c) _dx = new float[m * _c];
        var sumDy = _sumDy;
        var sumDyXhat = _sumDyXhat;
        Array.Clear(sumDy); Array.Clear(sumDyXhat);
        for (int r = 0; r < m; r++)
            for (int c = 0; c < _c; c++) { int i = r * _c + c; sumDy[c] += dy[i]; sumDyXhat[c] += dy[i] * (double)_xhat[i]; }
        for (int c = 0; c < _c; c++) { Weight.Grad[c] += (float)sumDyXhat[c]; Bias.Grad[c] += (float)sumDy[c]; }
        for (int r = 0; r < m; r++)
            for (int c = 0; c < _c; c++)
            {
                int i = r * _c + c;
                float k = Weight.Value[c] * _invStd[c];
                _dx[i] = _training
                    ? (float)(k * (dy[i] - sumDy[c] / m - _xhat[i] * sumDyXhat[c] / m))
                    : k * dy[i];
            }
        return _dx;
    }
}
