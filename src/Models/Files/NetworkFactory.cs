using System.Globalization;
using Sig.Models.Networks;

namespace Sig.Models.Files;

/// <summary>Builds a network from the architecture name and hyper-parameters recorded in a model file.</summary>
public static class NetworkFactory
{
    public static INetwork Create(string architecture, IReadOnlyDictionary<string, string> hp)
    {
        int I(string k) => int.TryParse(Get(k), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"hyper-parameter {k} = '{Get(k)}' is not an integer");
        string Get(string k) => hp.TryGetValue(k, out var v) ? v : throw new ArgumentException($"{architecture}: hyper-parameter '{k}' missing");
        int[] Ints(string k) => Get(k).Length == 0 ? [] : Get(k).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return architecture switch
        {
            "hf-gru" => new HfGruNet(I("features"), I("hidden")),
            "lf-mtl" => new LfMultiTaskNet(Ints("inputs"), Get("shared_gru") == "true", I("features"), I("hidden"), double.Parse(Get("lambda"), CultureInfo.InvariantCulture)),
            "alphanet" => new AlphaNetNet(I("features"), I("days"), Ints("pair_features"), Enum.Parse<AlphaNetLoss>(Get("loss")),
                I("hidden"), float.Parse(Get("dropout"), CultureInfo.InvariantCulture), I("window"), I("stride")),
            _ => throw new ArgumentException($"unknown architecture '{architecture}'"),
        };
    }

    /// <summary>A header for a trained network.</summary>
    public static ModelHeader Header(INetwork net, ulong seed, DateOnly? trainFrom, DateOnly? trainTo, DateOnly? retrain, string? dataDigest, IReadOnlyDictionary<string, double> metrics) => new()
    {
        Architecture = net.Architecture,
        HyperParameters = new SortedDictionary<string, string>(net.HyperParameters.ToDictionary(), StringComparer.Ordinal),
        Seed = seed,
        TrainFrom = trainFrom?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TrainTo = trainTo?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        RetrainDate = retrain?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DataDigest = dataDigest,
        Metrics = new SortedDictionary<string, double>(metrics.ToDictionary(), StringComparer.Ordinal),
    };
}
