using Sig.Data.Features;
using Sig.Engine.Events;
using Sig.Factors;

namespace Sig.Data.Tests.Features;

/// <summary>
/// A feature store held in memory for the readers' tests: one full panel over every date and
/// symbol (with all 27 factor columns) that the test fills by hand, style exposures and score
/// tables as cell arrays over it, and registry rows. <see cref="ReadPanel"/> cuts a date range and
/// symbols out of it as the SQLite store does (the calendar through <c>to</c>, symbols ascending,
/// factors in the order asked); unlike the store it keeps a symbol with no data in the range.
/// Linked into the test projects of the readers (Research, Orchestration, Inference).
/// </summary>
public sealed class InMemoryFeatureReader : IDailyFeatureReader
{
    public InMemoryFeatureReader(DateOnly[] dates, string[] symbols, Action<DailyPanel> fill)
    {
        Full = new DailyPanel(dates, [.. symbols.Select(SymbolCode.Parse)], dates, [.. FactorCatalog.Names]);
        for (int s = 0; s < symbols.Length; s++) Full.FirstSeen[s] = dates[0];
        fill(Full);
    }

    /// <summary>Every date × symbol; what the test wrote is what the readers see.</summary>
    public DailyPanel Full { get; }

    /// <summary>Stored style exposures by style name, over <see cref="Full"/>'s cells.</summary>
    public Dictionary<string, double[]> Styles { get; } = new(StringComparer.Ordinal);

    /// <summary>Score tables by table name, over <see cref="Full"/>'s cells.</summary>
    public Dictionary<string, double[]> Scores { get; } = new(StringComparer.Ordinal);

    /// <summary>The model registry rows.</summary>
    public List<RegisteredModel> Models { get; } = [];

    /// <summary>How many panels were read (a reader opened per read shows up here).</summary>
    public int PanelsRead { get; private set; }

    public IReadOnlyList<DateOnly> TradingDates => Full.Dates;

    public DailyPanel ReadPanel(DateOnly from, DateOnly to, IReadOnlyList<string>? factors = null, IReadOnlyCollection<SymbolCode>? symbols = null)
    {
        PanelsRead++;
        var dates = Full.Dates.Where(d => d >= from && d <= to).ToArray();
        var calendar = Full.Dates.Where(d => d <= to).ToArray();
        var picked = Full.Symbols.Where(s => symbols is null || symbols.Contains(s)).ToArray();
        var names = (factors ?? FactorCatalog.Names).ToArray();
        var p = new DailyPanel(dates, picked, calendar, names) { Industries = Full.Industries };
        var cells = new List<(int To, int From)>();
        for (int d = 0; d < dates.Length; d++)
            for (int s = 0; s < picked.Length; s++)
                cells.Add((p.Cell(d, s), FullCell(dates[d], picked[s])));
        // Every per-cell column of the panel (bars, reference, flags, industry, list date), by reflection so none is forgotten.
        foreach (var prop in typeof(DailyPanel).GetProperties())
        {
            if (prop.PropertyType != typeof(double[]) && prop.PropertyType != typeof(bool[]) && prop.PropertyType != typeof(int[])) continue;
            var whole = (Array)prop.GetValue(Full)!;
            var part = (Array)prop.GetValue(p)!;
            foreach (var (to_, from_) in cells) part.SetValue(whole.GetValue(from_), to_);
        }
        for (int f = 0; f < names.Length; f++)
        {
            var whole = Full.Factor(names[f]);
            foreach (var (to_, from_) in cells) p.Factors[f][to_] = whole[from_];
        }
        foreach (var (index, whole) in Full.IndexWeights)
        {
            var w = new double[p.Close.Length];
            foreach (var (to_, from_) in cells) w[to_] = whole[from_];
            p.IndexWeights[index] = w;
        }
        for (int s = 0; s < picked.Length; s++) p.FirstSeen[s] = Full.FirstSeen[Array.IndexOf(Full.Symbols, picked[s])];
        return p;
    }

    public double[] ReadStyle(string style, DailyPanel panel) => Over(Styles.GetValueOrDefault(style), panel);

    public double[] ReadScores(string table, DailyPanel panel) =>
        Scores.TryGetValue(table, out var values) ? Over(values, panel) : throw new ArgumentException($"--scores {table}: no such table");

    public IReadOnlyList<RegisteredModel> RegisteredModels(string model) =>
        [.. Models.Where(m => m.Model == model).OrderBy(m => m.TrainedThrough).ThenBy(m => m.Seed)];

    private int FullCell(DateOnly date, SymbolCode symbol) => Full.Cell(Array.IndexOf(Full.Dates, date), Array.IndexOf(Full.Symbols, symbol));

    private double[] Over(double[]? whole, DailyPanel panel)
    {
        var values = new double[panel.Dates.Length * panel.Symbols.Length];
        Array.Fill(values, double.NaN);
        if (whole is null) return values;
        for (int d = 0; d < panel.Dates.Length; d++)
            for (int s = 0; s < panel.Symbols.Length; s++)
                values[panel.Cell(d, s)] = whole[FullCell(panel.Dates[d], panel.Symbols[s])];
        return values;
    }
}
