using Sig.Engine.Config;
using Sig.Engine.Events;

namespace Sig.Data.Features;

/// <summary>
/// The feature store as the research and portfolio commands read it: the SQLite store (the
/// source of truth; score tables, styles) and the engine that serves its panels,
/// <c>features.panelEngine</c> = <c>duckdb</c> (the <see cref="DuckDbPanelMirror"/>, brought up
/// to date on open) or <c>sqlite</c> (the store itself). When the DuckDB mirror is held by
/// another process the panels come from SQLite, with a warning.
/// </summary>
public sealed class DailyFeatureStore : IDailyFeatureReader, IDisposable
{
    /// <summary>The values of <c>features.panelEngine</c>.</summary>
    public static readonly string[] PanelEngines = ["duckdb", "sqlite"];

    private readonly DuckDbPanelMirror? _mirror;

    private DailyFeatureStore(SqliteFeatureStore store, DuckDbPanelMirror? mirror)
    {
        Store = store;
        _mirror = mirror;
    }

    /// <summary>
    /// Opens <paramref name="db"/> (features.db) with the panel engine of <paramref name="options"/>;
    /// <paramref name="warn"/> receives the one-line warning when the DuckDB mirror is busy (default: stderr).
    /// </summary>
    public static DailyFeatureStore Open(string db, FeaturesOptions? options = null, Action<string>? warn = null)
    {
        string engine = (options ?? new FeaturesOptions()).PanelEngine;
        if (!PanelEngines.Contains(engine))
            throw new ArgumentException($"features.panelEngine must be {string.Join(" or ", PanelEngines)}, not '{engine}'");
        var store = new SqliteFeatureStore(db);
        if (engine == "sqlite") return new DailyFeatureStore(store, null);
        try
        {
            return new DailyFeatureStore(store, new DuckDbPanelMirror(store, db));
        }
        catch (DuckDbMirrorBusyException e)
        {
            (warn ?? Console.Error.WriteLine)($"warning: {e.Message}; reading the panel from SQLite instead");
            return new DailyFeatureStore(store, null);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>The SQLite store: writes, score tables, styles.</summary>
    public SqliteFeatureStore Store { get; }

    /// <summary>The mirror serving the panels, null when SQLite does.</summary>
    public DuckDbPanelMirror? Mirror => _mirror;

    /// <summary>"duckdb" or "sqlite": the engine the panels actually come from.</summary>
    public string PanelEngine => _mirror is null ? "sqlite" : "duckdb";

    private IDailyPanelReader Panels => (IDailyPanelReader?)_mirror ?? Store;

    public IReadOnlyList<DateOnly> TradingDates => Panels.TradingDates;

    public DailyPanel ReadPanel(DateOnly from, DateOnly to, IReadOnlyList<string>? factors = null, IReadOnlyCollection<SymbolCode>? symbols = null) =>
        Panels.ReadPanel(from, to, factors, symbols);

    /// <inheritdoc cref="SqliteFeatureStore.ReadScores"/>
    public double[] ReadScores(string table, DailyPanel panel) => Store.ReadScores(table, panel);

    /// <inheritdoc cref="SqliteFeatureStore.ReadStyle"/>
    public double[] ReadStyle(string style, DailyPanel panel) => Store.ReadStyle(style, panel);

    /// <inheritdoc cref="SqliteFeatureStore.RegisteredModels"/>
    public IReadOnlyList<RegisteredModel> RegisteredModels(string model) => Store.RegisteredModels(model);

    public void Dispose()
    {
        _mirror?.Dispose();
        Store.Dispose();
    }
}
