using System.Globalization;
using Sig.Models.Networks;
using Sig.Models.Training;

namespace Sig.Inference;

/// <summary>Which input tensors a model reads from the store.</summary>
public enum InputKind
{
    /// <summary>The 27 preprocessed daily factors over the last <c>days</c> trading days: one [n, days, 27].</summary>
    Factors,
    /// <summary>Daily, weekly and monthly bars (open, high, low, close, vwap, volume): [n, days, 6], [n, weeks, 6], [n, months, 6].</summary>
    Bars,
    /// <summary>AlphaNet's 15-feature data picture over the last <c>days</c> trading days: one [n, days, 15].</summary>
    Picture,
}

/// <summary>
/// The shape of a model's input and how training samples are drawn: window lengths, the
/// minimum number of observed days for a stock to enter a date, the sampling step and history.
/// Recorded in every model file's header (keys <c>input.*</c>), so a file is scored with the
/// inputs it was trained on.
/// </summary>
public sealed record InputSpec(InputKind Kind, int Days, int MinDays, int Weeks = 20, int Months = 12, int SampleEvery = 5, int? Lookback = null)
{
    /// <summary>Trading days after T the model label needs (buy at T+1, sell at T+1+10).</summary>
    public const int LabelDays = Sig.Research.Daily.Labels.ModelHorizon + 1;

    /// <summary>Trading days of history before T the inputs read (weeks and months in trading days, with a margin).</summary>
    public int HistoryDays => Kind == InputKind.Bars ? Math.Max(Days, Math.Max(Weeks * 5 + 10, Months * 23 + 23)) : Days;

    public IEnumerable<KeyValuePair<string, string>> HeaderEntries()
    {
        static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        yield return new("input.kind", Kind.ToString());
        yield return new("input.days", I(Days));
        yield return new("input.min_days", I(MinDays));
        yield return new("input.weeks", I(Weeks));
        yield return new("input.months", I(Months));
        yield return new("input.sample_every", I(SampleEvery));
        if (Lookback is int lb) yield return new("input.lookback", I(lb));
    }

    /// <summary>The spec recorded in a model file's hyper-parameters.</summary>
    public static InputSpec FromHeader(IReadOnlyDictionary<string, string> hp, string path)
    {
        string Get(string k) => hp.TryGetValue(k, out var v) ? v : throw new InvalidDataException($"{path}: header has no '{k}' (not trained from a feature store)");
        int I(string k) => int.TryParse(Get(k), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new InvalidDataException($"{path}: header '{k}' = '{Get(k)}' is not a positive integer");
        if (!Enum.TryParse<InputKind>(Get("input.kind"), out var kind)) throw new InvalidDataException($"{path}: unknown input.kind '{Get("input.kind")}'");
        return new InputSpec(kind, I("input.days"), I("input.min_days"), I("input.weeks"), I("input.months"), I("input.sample_every"),
            hp.ContainsKey("input.lookback") ? I("input.lookback") : null);
    }
}

/// <summary>
/// A trainable model of the catalog: its name (CLI, registry), input, learning rate and the
/// network of one seed (AlphaNet-v2.1 draws its pair features from the seed).
/// </summary>
public sealed record ModelSpec(string Name, InputSpec Input, float LearningRate, int DefaultSeeds, Func<ulong, InputSpec, INetwork> Network)
{
    /// <summary>The name in subjects, Msg-Id kinds and table names: lower case, '-' and '.' as '_' (e.g. <c>alphanet_v2_1</c>).</summary>
    public string Id => ModelCatalog.IdOf(Name);
}

/// <summary>The models `engine train` / `predict` / the inference stage know, with the protocol's settings.</summary>
public static class ModelCatalog
{
    /// <summary>The fused score's name: (1·z(HF) + 3·z(LF)) / 4 of <c>hf-gru</c> and <c>lf-mtl</c>.</summary>
    public const string Fusion = "fusion";

    public static readonly string[] Names = ["hf-gru", "lf-mtl", "alphanet-v2", "alphanet-v2.1", "alphanet-v2.2", "alphanet-v2.3"];

    public static string IdOf(string name) => name.ToLowerInvariant().Replace('-', '_').Replace('.', '_');

    /// <summary>The score table of a model in the feature store (<c>scores_hf_gru</c>, <c>scores_fusion</c>, …).</summary>
    public static string ScoreTable(string name) => "scores_" + IdOf(name);

    /// <summary>
    /// The spec of <paramref name="name"/>; <paramref name="days"/>, <paramref name="minDays"/> and
    /// <paramref name="every"/> override the protocol's window, observed-days rule and sampling step
    /// (small configurations for tests and the demo).
    /// </summary>
    public static ModelSpec Get(string name, int? days = null, int? minDays = null, int? every = null, int? hidden = null)
    {
        int h = hidden ?? 30;
        InputSpec Spec(InputKind kind, int d, int min, int e, int? lookback = null) =>
            new(kind, days ?? d, minDays ?? (days is int dd ? Math.Max(1, dd * 3 / 4) : min), SampleEvery: every ?? e, Lookback: lookback,
                Weeks: days is int w ? Math.Max(2, Math.Min(20, w / 2)) : 20, Months: days is int m ? Math.Max(2, Math.Min(12, m / 4)) : 12);
        AlphaNetNet Alpha(ulong seed, InputSpec s, AlphaNetLoss loss, bool pairDropout) =>
            new(15, s.Days, pairDropout ? PairSampler.Draw(seed, 15, 8) : null, loss, h, 0.5f, window: Math.Min(10, s.Days), stride: Math.Min(10, s.Days));
        return name switch
        {
            "hf-gru" => new(name, Spec(InputKind.Factors, 40, 30, 5), 0.005f, 3, (_, _) => new HfGruNet(27, h)),
            "lf-mtl" => new(name, Spec(InputKind.Bars, 40, 30, 5), 0.005f, 3, (_, _) => new LfMultiTaskNet([0, 1, 2], true, 6, h)),
            "alphanet-v2" => new(name, Spec(InputKind.Picture, 30, 23, 2, 1500), 1e-4f, 10, (s, i) => Alpha(s, i, AlphaNetLoss.Mse, false)),
            "alphanet-v2.1" => new(name, Spec(InputKind.Picture, 30, 23, 2, 1500), 1e-4f, 10, (s, i) => Alpha(s, i, AlphaNetLoss.Mse, true)),
            "alphanet-v2.2" => new(name, Spec(InputKind.Picture, 30, 23, 2, 1500), 1e-4f, 10, (s, i) => Alpha(s, i, AlphaNetLoss.NeutralizedMse, false)),
            "alphanet-v2.3" => new(name, Spec(InputKind.Picture, 30, 23, 2, 1500), 1e-4f, 10, (s, i) => Alpha(s, i, AlphaNetLoss.LongSideWeightedMse, false)),
            _ => throw new ArgumentException($"unknown model '{name}' (expected {string.Join(", ", Names)})"),
        };
    }
}
