using Sig.Actors.Pipeline;
using Sig.Engine.Config;

namespace Sig.Orchestration;

/// <summary>The close stages a run's configuration asks for, built over its feature store (replay and live share this).</summary>
public static class CloseStageWiring
{
    private static readonly FeaturesOptions SqlitePanels = new() { PanelEngine = "sqlite" };

    /// <summary>
    /// The configured close stages in order over the feature store at <paramref name="db"/>: the
    /// inference stage when <c>inference.models</c> is set, then the optimizer stage when
    /// <c>portfolio.strategies</c> is set. Empty without stages.
    /// </summary>
    public static IReadOnlyList<ICloseStage> For(EngineConfig config, string? db, TextWriter? log = null)
    {
        var stages = new List<ICloseStage>(Sig.Inference.InferenceStages.For(config.Inference, db));
        if (config.Portfolio.Strategies is { Length: > 0 })
        {
            if (db is null) throw new ArgumentException("portfolio.strategies need a feature store (the optimizer stage reads the day's rows from it): give --store");
            // Inside the pipeline the store is read from SQLite, the store the pipeline writes (often a temporary copy):
            // no DuckDB mirror is created beside it.
            stages.Add(new OptimizerStage(config.Portfolio, () => new FeatureStorePortfolioSource(db, SqlitePanels), log ?? Console.Error));
        }
        return stages;
    }

    /// <summary>The manifest lines of <paramref name="stages"/>, or null when there are none.</summary>
    public static string[]? ManifestEntries(IReadOnlyList<ICloseStage> stages) => stages.Count == 0 ? null : [.. stages.Select(s => s.ManifestEntry)];
}
