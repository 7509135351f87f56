using Microsoft.Data.Sqlite;
using Sig.Orchestration;
using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Sig.Inference;
using Sig.Data.Features;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Inference.Tests;

/// <summary>
/// A generated 70-day market (planted big-order signal) replayed into a feature store, with small
/// HF GRU and LF models trained through day 40 (shared by the tests of the collection).
/// </summary>
public sealed class GeneratedStore : IDisposable
{
    public const int RetrainIndex = 40;

    public string Root { get; } = Directory.CreateTempSubdirectory("sig-inference-").FullName;
    public string Db => Path.Combine(Root, "features.db");
    public string TickDir => Path.Combine(Root, "store");
    public IReadOnlyList<DateOnly> Dates { get; }
    public DateOnly Retrain => Dates[RetrainIndex];
    public List<RegisteredModel> Models { get; } = [];

    /// <summary>The small configurations: 10-day windows, every day sampled.</summary>
    public static ModelSpec Spec(string name) => ModelCatalog.Get(name, days: 10, every: 1, hidden: 12);

    public static readonly TrainingPlan Plan = new(Seeds: 2, MaxEpochs: 12, Patience: 4);

    public GeneratedStore()
    {
        using (var sink = new TickStoreWriter(TickDir))
            new MarketGenerator(new GeneratorSettings { Stocks = 80, Days = 70, EventsPerStockDay = 1000, Seed = 42 }).Generate(sink);
        var ticks = TickStore.Open(TickDir);
        Dates = ticks.Dates;
        ReplayRun.Run(ticks, [.. ticks.Dates], new EngineConfig(), 2, Db, PipelineOutputs.Daily);
        using var fs = new SqliteFeatureStore(Db);
        foreach (var name in new[] { "hf-gru", "lf-mtl" })
            Models.AddRange(RollingTraining.TrainRetrain(fs, Spec(name), Retrain, Plan, Path.Combine(Root, "models")));
    }

    /// <summary>A copy of the feature store with every row after <paramref name="last"/> deleted (a store that ends there).</summary>
    public string CutCopy(DateOnly last)
    {
        string path = Path.Combine(Root, $"cut-{last:yyyyMMdd}-{Guid.NewGuid():N}.db");
        File.Copy(Db, path);
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var tables = c.CreateCommand();
        tables.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%date TEXT%'";
        var names = new List<string>();
        using (var r = tables.ExecuteReader()) while (r.Read()) names.Add(r.GetString(0));
        foreach (var t in names)
        {
            using var del = c.CreateCommand();
            del.CommandText = $"DELETE FROM {t} WHERE date > $d";
            del.Parameters.AddWithValue("$d", last.ToString("yyyy-MM-dd"));
            del.ExecuteNonQuery();
        }
        return path;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class GeneratedStoreCollection : ICollectionFixture<GeneratedStore>
{
    public const string Name = "generated store with models";
}
