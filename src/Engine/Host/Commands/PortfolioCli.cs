using System.Globalization;
using System.Text.Json;
using Sig.Engine.Config;
using Sig.Portfolio.Io;

namespace Sig.Engine.Host.Commands;

/// <summary>What `engine optimize` and `engine backtest` share: opening the input and the manifest.</summary>
public static class PortfolioCli
{
    /// <summary>
    /// The data source behind --store: a CSV panel directory when it holds daily.csv, else a
    /// feature store when it holds features.db (or is that file).
    /// </summary>
    public static IPortfolioDataSource Open(string store, FeaturesOptions? features = null)
    {
        if (Directory.Exists(store) && CsvPanelSource.IsPanelDirectory(store)) return new CsvPanelSource(store);
        if (Directory.Exists(store) && FeatureStorePortfolioSource.IsFeatureStoreDirectory(store))
            return new FeatureStorePortfolioSource(Path.Combine(store, "features.db"), features);
        if (File.Exists(store) && store.EndsWith(".db", StringComparison.Ordinal)) return new FeatureStorePortfolioSource(store, features);
        throw new ArgumentException($"--store {store}: neither daily.csv (a CSV panel directory) nor features.db (a feature store) there; see docs/portfolio.md");
    }

    /// <summary>"0.3,0.4,none" → caps (none: no turnover cap).</summary>
    public static List<double?> ParseCaps(string text)
    {
        var caps = new List<double?>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "none") { caps.Add(null); continue; }
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double c) || !(c > 0))
                throw new FormatException($"--turnover: '{part}' is not a positive number or 'none'");
            caps.Add(c);
        }
        if (caps.Count == 0) throw new FormatException("--turnover: no caps given");
        return caps;
    }

    /// <summary>Writes manifest.json: the command, its inputs, the solver and version, the config hash.</summary>
    public static void WriteManifest(string path, string kind, EngineConfig config, IReadOnlyDictionary<string, string> inputs, string solver, string version)
    {
        var manifest = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["kind"] = kind, ["configHash"] = config.Hash, ["solver"] = solver, ["solverVersion"] = version,
            ["inputs"] = new SortedDictionary<string, string>(inputs.ToDictionary(), StringComparer.Ordinal),
            ["optimizer"] = config.Portfolio.Optimizer, ["backtest"] = config.Portfolio.Backtest,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(manifest, EngineConfig.Json) + "\n");
    }
}
