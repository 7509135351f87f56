namespace Sig.Models.Nn;

/// <summary>An optimizer that updates every weight of a parameter list from its gradient.</summary>
public interface IOptimizer
{
    void Step();
}

/// <summary>
/// Adam as PyTorch computes it (β = (0.9, 0.999), eps 1e-8, optional L2 weight decay):
/// p −= (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + eps).
/// </summary>
public sealed class Adam : IOptimizer
{
    private readonly Parameter[] _ps;
    private readonly float[][] _m, _v;
    private int _t;

    public Adam(IEnumerable<Parameter> parameters, float lr, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f)
    {
        _ps = parameters.Where(p => p.Kind == StateKind.Weight).ToArray();
        _m = _ps.Select(p => new float[p.Size]).ToArray();
        _v = _ps.Select(p => new float[p.Size]).ToArray();
        Lr = lr; Beta1 = beta1; Beta2 = beta2; Eps = eps; WeightDecay = weightDecay;
    }

    public float Lr { get; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Eps { get; }
    public float WeightDecay { get; }
    public int Steps => _t;

    public void Step()
    {
        _t++;
        double bc1 = 1 - Math.Pow(Beta1, _t), bc2 = 1 - Math.Pow(Beta2, _t);
        float stepSize = (float)(Lr / bc1);
        float bc2Sqrt = (float)Math.Sqrt(bc2);
        for (int k = 0; k < _ps.Length; k++)
        {
            var p = _ps[k].Value; var g = _ps[k].Grad; var m = _m[k]; var v = _v[k];
            for (int i = 0; i < p.Length; i++)
            {
                float gi = WeightDecay == 0f ? g[i] : g[i] + WeightDecay * p[i];
                m[i] = m[i] * Beta1 + gi * (1 - Beta1);
                v[i] = v[i] * Beta2 + gi * gi * (1 - Beta2);
                float denom = MathF.Sqrt(v[i]) / bc2Sqrt + Eps;
                p[i] -= stepSize * (m[i] / denom);
            }
        }
    }
}

/// <summary>RMSProp as PyTorch computes it (α 0.99, eps 1e-8, no momentum, not centered): p −= lr · g / (√v + eps).</summary>
public sealed class RmsProp : IOptimizer
{
    private readonly Parameter[] _ps;
    private readonly float[][] _v;

    public RmsProp(IEnumerable<Parameter> parameters, float lr, float alpha = 0.99f, float eps = 1e-8f)
    {
        _ps = parameters.Where(p => p.Kind == StateKind.Weight).ToArray();
        _v = _ps.Select(p => new float[p.Size]).ToArray();
        Lr = lr; Alpha = alpha; Eps = eps;
    }

    public float Lr { get; }
    public float Alpha { get; }
    public float Eps { get; }

    public void Step()
    {
        for (int k = 0; k < _ps.Length; k++)
        {
            var p = _ps[k].Value; var g = _ps[k].Grad; var v = _v[k];
            for (int i = 0; i < p.Length; i++)
            {
                v[i] = v[i] * Alpha + g[i] * g[i] * (1 - Alpha);
                p[i] -= Lr * (g[i] / (MathF.Sqrt(v[i]) + Eps));
            }
        }
    }
}
