using System.Globalization;
using Sig.Models.Data;
using Sig.Models.Nn;

namespace Sig.Models.Networks;

/// <summary>
/// The low-frequency multi-task model: a GRU(f → H) over each selected input (daily, weekly,
/// monthly bars), shared or one per task; per task BatchNorm1d(H) → Linear(H → 1); the score is
/// the mean of the task outputs. Loss −Σₖ corr(ŷₖ, y) + λ·Σ_{k&lt;l} corr(ŷₖ, ŷₗ).
/// With one input it is the "daily only" ablation; unshared GRUs give the "three GRUs" ablation;
/// "three separate models" is three one-input networks trained alone and averaged.
/// state_dict names: gru.* (shared) or gru{k}.*, and bn{k}.*, fc{k}.* for task k = 0, 1, 2.
/// </summary>
public sealed class LfMultiTaskNet : INetwork
{
    private readonly int[] _inputs;
    private readonly Gru[] _grus;
    private readonly BatchNorm1d[] _bns;
    private readonly Linear[] _fcs;
    private readonly float[][] _preds, _grads;
    private readonly bool _shared;

    /// <summary>A network over the cross-section inputs listed in <paramref name="inputs"/> (indices into <see cref="CrossSection.Inputs"/>).</summary>
    public LfMultiTaskNet(int[] inputs, bool sharedGru = true, int features = 6, int hidden = 30, double lambda = 0.01)
    {
        if (inputs.Length == 0) throw new ArgumentException("LF model needs at least one input");
        _inputs = inputs; _shared = sharedGru; Lambda = lambda;
        int k = inputs.Length;
        _grus = sharedGru ? [new Gru(features, hidden)] : Enumerable.Range(0, k).Select(_ => new Gru(features, hidden)).ToArray();
        _bns = Enumerable.Range(0, k).Select(_ => new BatchNorm1d(hidden)).ToArray();
        _fcs = Enumerable.Range(0, k).Select(_ => new Linear(hidden, 1)).ToArray();
        _preds = Enumerable.Range(0, k).Select(_ => Array.Empty<float>()).ToArray();
        _grads = Enumerable.Range(0, k).Select(_ => Array.Empty<float>()).ToArray();
        var state = new List<Parameter>();
        if (sharedGru) state.AddRange(_grus[0].Parameters.Select(p => p.WithPrefix("gru.")));
        else for (int i = 0; i < k; i++) state.AddRange(_grus[i].Parameters.Select(p => p.WithPrefix($"gru{i}.")));
        for (int i = 0; i < k; i++)
        {
            state.AddRange(_bns[i].Parameters.Select(p => p.WithPrefix($"bn{i}.")));
            state.AddRange(_fcs[i].Parameters.Select(p => p.WithPrefix($"fc{i}.")));
        }
        State = state;
        HyperParameters = new Dictionary<string, string>
        {
            ["inputs"] = string.Join(',', inputs),
            ["shared_gru"] = sharedGru ? "true" : "false",
            ["features"] = features.ToString(CultureInfo.InvariantCulture),
            ["hidden"] = hidden.ToString(CultureInfo.InvariantCulture),
            ["lambda"] = lambda.ToString("R", CultureInfo.InvariantCulture),
        };
    }

    public string Architecture => "lf-mtl";
    public double Lambda { get; }
    public IReadOnlyDictionary<string, string> HyperParameters { get; }
    public IReadOnlyList<Parameter> State { get; }

    public void Init(SeededRandom rng)
    {
        foreach (var g in _grus) g.Init(rng);
        for (int i = 0; i < _bns.Length; i++) { _bns[i].Init(); _fcs[i].Init(rng); }
    }

    private Gru GruOf(int task) => _shared ? _grus[0] : _grus[task];

    /// <summary>Runs task k's branch; the shared GRU's caches then belong to task k (backward follows per task).</summary>
    private float[] Branch(CrossSection batch, int task, bool training)
    {
        var x = batch.Inputs[_inputs[task]];
        var gru = GruOf(task);
        if (x.F != gru.InputSize) throw new ArgumentException($"{batch.Date:yyyy-MM-dd}: LF input {_inputs[task]} has {x.F} features, expected {gru.InputSize}");
        var h = training ? gru.Forward(x.Data, x.N, x.T) : gru.Infer(x.Data, x.N, x.T);
        var b = _bns[task].Forward(h, x.N, training);
        return _fcs[task].Forward(b, x.N);
    }

    public float[] Predict(CrossSection batch)
    {
        int n = batch.Count, k = _inputs.Length;
        var score = new float[n];
        for (int t = 0; t < k; t++)
        {
            var o = Branch(batch, t, training: false);
            for (int i = 0; i < n; i++) score[i] += o[i];
        }
        for (int i = 0; i < n; i++) score[i] /= k;
        return score;
    }

    public double TrainStep(CrossSection batch, SeededRandom rng)
    {
        Parameters.ZeroGrad(State);
        int n = batch.Count, k = _inputs.Length;
        for (int t = 0; t < k; t++)
        {
            if (_preds[t].Length < n) { _preds[t] = new float[n]; _grads[t] = new float[n]; }
            Branch(batch, t, training: true).AsSpan(0, n).CopyTo(_preds[t]);
        }
        double loss = Losses.MultiTask(_preds, batch.Labels, _grads, Lambda);
        // The shared GRU keeps one set of caches, so each branch is re-run before its backward.
        for (int t = 0; t < k; t++)
        {
            if (_shared && k > 1) RerunGru(batch, t);
            var g = _fcs[t].Backward(_grads[t].AsSpan(0, n));
            g = _bns[t].Backward(g.AsSpan(0, n * GruOf(t).HiddenSize));
            GruOf(t).Backward(g, []);
        }
        return loss;
    }

    private void RerunGru(CrossSection batch, int task)
    {
        var x = batch.Inputs[_inputs[task]];
        GruOf(task).Forward(x.Data, x.N, x.T);
    }
}
