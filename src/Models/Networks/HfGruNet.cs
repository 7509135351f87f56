using System.Globalization;
using Sig.Models.Data;
using Sig.Models.Nn;

namespace Sig.Models.Networks;

/// <summary>
/// The high-frequency model: GRU(f → H) over the factor sequence → BatchNorm1d(H) → Linear(H → 1)
/// → Sigmoid; loss −corr(ŷ, y) over one date. state_dict names: gru.*, bn.*, fc.*.
/// </summary>
public sealed class HfGruNet : INetwork
{
    private readonly Gru _gru;
    private readonly BatchNorm1d _bn;
    private readonly Linear _fc;
    private readonly Sigmoid _sigmoid = new();
    private float[] _grad = [];

    public HfGruNet(int features = 27, int hidden = 30)
    {
        _gru = new Gru(features, hidden);
        _bn = new BatchNorm1d(hidden);
        _fc = new Linear(hidden, 1);
        State = [.. _gru.Parameters.Select(p => p.WithPrefix("gru.")), .. _bn.Parameters.Select(p => p.WithPrefix("bn.")), .. _fc.Parameters.Select(p => p.WithPrefix("fc."))];
        HyperParameters = new Dictionary<string, string>
        {
            ["features"] = features.ToString(CultureInfo.InvariantCulture),
            ["hidden"] = hidden.ToString(CultureInfo.InvariantCulture),
        };
    }

    public string Architecture => "hf-gru";
    public IReadOnlyDictionary<string, string> HyperParameters { get; }
    public IReadOnlyList<Parameter> State { get; }

    public void Init(SeededRandom rng)
    {
        _gru.Init(rng);
        _bn.Init();
        _fc.Init(rng);
    }

    private float[] Forward(CrossSection batch, bool training)
    {
        var x = batch.Inputs[0];
        if (x.F != _gru.InputSize) throw new ArgumentException($"{batch.Date:yyyy-MM-dd}: HF GRU expects {_gru.InputSize} features, got {x.F}");
        int n = x.N;
        var h = training ? _gru.Forward(x.Data, n, x.T) : _gru.Infer(x.Data, n, x.T);
        var b = _bn.Forward(h, n, training);
        var o = _fc.Forward(b, n);
        return _sigmoid.Forward(o.AsSpan(0, n));
    }

    public float[] Predict(CrossSection batch) => Forward(batch, training: false)[..batch.Count];

    public double TrainStep(CrossSection batch, SeededRandom rng)
    {
        Parameters.ZeroGrad(State);
        int n = batch.Count;
        var pred = Forward(batch, training: true);
        if (_grad.Length < n) _grad = new float[n];
        double loss = Losses.NegativeCorr(pred.AsSpan(0, n), batch.Labels, _grad.AsSpan(0, n));
        var g = _sigmoid.Backward(_grad.AsSpan(0, n));
        g = _fc.Backward(g.AsSpan(0, n));
        g = _bn.Backward(g.AsSpan(0, n * _gru.HiddenSize));
        _gru.Backward(g, []);
        return loss;
    }
}
