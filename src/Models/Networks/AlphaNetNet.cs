using System.Globalization;
using Sig.Models.Data;
using Sig.Models.Nn;

namespace Sig.Models.Networks;

/// <summary>The AlphaNet loss variants.</summary>
public enum AlphaNetLoss
{
    /// <summary>v2: MSE against the standardized label.</summary>
    Mse,
    /// <summary>v2.2: MSE of the label against the prediction's OLS residual on the styles and an intercept.</summary>
    NeutralizedMse,
    /// <summary>v2.3: weighted MSE, weight 2 for the top half of labels, 1 for the rest.</summary>
    LongSideWeightedMse,
}

/// <summary>
/// AlphaNet v2 and its variants as one network: extraction (ts_corr/ts_cov over the selected
/// pairs, ts_stddev/ts_zscore/ts_return/ts_decaylinear over every feature) → BatchNorm1d over
/// the extraction channels → LSTM(H) → BatchNorm1d(H) → Dropout → Linear(H → 1).
/// v2.1 selects the pair features, v2.2/v2.3 select the loss.
/// state_dict names: bn_feat.*, lstm.*, bn.*, fc.*.
/// </summary>
public sealed class AlphaNetNet : INetwork
{
    private readonly AlphaNetExtraction _extract;
    private readonly BatchNorm1d _bnFeat, _bn;
    private readonly Lstm _lstm;
    private readonly Dropout _dropout;
    private readonly Linear _fc;
    private float[] _grad = [], _weights = [];

    public AlphaNetNet(int features = 15, int days = 30, IReadOnlyList<int>? pairFeatures = null, AlphaNetLoss loss = AlphaNetLoss.Mse,
        int hidden = 30, float dropout = 0.5f, int window = 10, int stride = 10)
    {
        _extract = new AlphaNetExtraction(features, days, window, stride, pairFeatures);
        _bnFeat = new BatchNorm1d(_extract.Width);
        _lstm = new Lstm(_extract.Width, hidden);
        _bn = new BatchNorm1d(hidden);
        _dropout = new Dropout(dropout);
        _fc = new Linear(hidden, 1);
        Loss = loss;
        State = [.. _bnFeat.Parameters.Select(p => p.WithPrefix("bn_feat.")), .. _lstm.Parameters.Select(p => p.WithPrefix("lstm.")),
            .. _bn.Parameters.Select(p => p.WithPrefix("bn.")), .. _fc.Parameters.Select(p => p.WithPrefix("fc."))];
        HyperParameters = new Dictionary<string, string>
        {
            ["features"] = features.ToString(CultureInfo.InvariantCulture),
            ["days"] = days.ToString(CultureInfo.InvariantCulture),
            ["pair_features"] = string.Join(',', _extract.PairFeatures),
            ["loss"] = loss.ToString(),
            ["hidden"] = hidden.ToString(CultureInfo.InvariantCulture),
            ["dropout"] = dropout.ToString("R", CultureInfo.InvariantCulture),
            ["window"] = window.ToString(CultureInfo.InvariantCulture),
            ["stride"] = stride.ToString(CultureInfo.InvariantCulture),
        };
    }

    public string Architecture => "alphanet";
    public AlphaNetLoss Loss { get; }
    public AlphaNetExtraction Extraction => _extract;
    public IReadOnlyDictionary<string, string> HyperParameters { get; }
    public IReadOnlyList<Parameter> State { get; }

    /// <summary>The dropout mask of the last training step (0 or 1/(1 − p) per value).</summary>
    public ReadOnlySpan<float> LastDropoutMask => _dropout.Mask;

    public void Init(SeededRandom rng)
    {
        _bnFeat.Init();
        _lstm.Init(rng);
        _bn.Init();
        _fc.Init(rng);
    }

    private float[] Forward(CrossSection batch, bool training, SeededRandom? rng)
    {
        var x = batch.Inputs[0];
        if (x.F != _extract.Features || x.T != _extract.Days)
            throw new ArgumentException($"{batch.Date:yyyy-MM-dd}: AlphaNet expects [n, {_extract.Days}, {_extract.Features}], got [n, {x.T}, {x.F}]");
        int n = x.N, steps = _extract.Steps;
        var f = _extract.Forward(x.Data, n);
        var fb = _bnFeat.Forward(f, n * steps, training);
        var h = _lstm.Forward(fb, n, steps);
        var b = _bn.Forward(h, n, training);
        var d = training ? _dropout.Forward(b.AsSpan(0, n * _lstm.HiddenSize), true, rng!) : b;
        return _fc.Forward(d, n);
    }

    public float[] Predict(CrossSection batch) => Forward(batch, training: false, null)[..batch.Count];

    public double TrainStep(CrossSection batch, SeededRandom rng)
    {
        Parameters.ZeroGrad(State);
        int n = batch.Count;
        var pred = Forward(batch, training: true, rng).AsSpan(0, n);
        if (_grad.Length < n) { _grad = new float[n]; _weights = new float[n]; }
        var g = _grad.AsSpan(0, n);
        double loss;
        switch (Loss)
        {
            case AlphaNetLoss.Mse:
                loss = Losses.Mse(pred, batch.Labels, g);
                break;
            case AlphaNetLoss.NeutralizedMse:
                if (batch.Styles is null) throw new ArgumentException($"{batch.Date:yyyy-MM-dd}: the neutralized loss needs style exposures");
                loss = Losses.NeutralizedMse(pred, batch.Labels, batch.Styles, batch.StyleCount, g);
                break;
            default:
                Losses.LongSideWeights(batch.Labels, _weights.AsSpan(0, n));
                loss = Losses.WeightedMse(pred, batch.Labels, _weights.AsSpan(0, n), g);
                break;
        }
        var gd = _fc.Backward(g);
        var gb = _dropout.Backward(gd.AsSpan(0, n * _lstm.HiddenSize));
        var gh = _bn.Backward(gb);
        var gl = _lstm.BackwardToInput(gh);
        _bnFeat.Backward(gl);
        return loss;
    }
}
