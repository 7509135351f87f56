using System.Globalization;
using Sig.Data.Features;
using Sig.Engine.Text;
using Sig.Factors;

namespace Sig.Research.Evaluation;

/// <summary>
/// What a factor test reads from the feature store (docs/daily-and-evaluation.md): the panel of the
/// rebalance range widened by the rolling window's history before and the label horizon after,
/// the named daily factors on it, and each <c>--scores</c> entry laid over its cells. It reads
/// through <see cref="IDailyFeatureReader"/> only.
/// </summary>
public static class EvaluationInputs
{
    /// <summary>
    /// The panel and the inputs of a test of rebalance dates [<paramref name="from"/>, <paramref name="to"/>]:
    /// <see cref="Preprocessing.CrossSection.RollingWindow"/> − 1 trading days before the first date (the rolling
    /// mean's history) through <paramref name="horizon"/> + 1 after the last (the label's), each
    /// clipped to the store's calendar (<paramref name="storeName"/> names it in errors); the factors (catalog names) in <paramref name="factors"/> order (their
    /// catalog direction), then one input per <paramref name="scores"/> entry (<see cref="ScoreInput"/>).
    /// </summary>
    public static (DailyPanel Panel, List<FactorInput> Inputs) Read(IDailyFeatureReader reader, DateOnly from, DateOnly to,
        IReadOnlyList<string> factors, IEnumerable<string> scores, int horizon, string storeName)
    {
        var calendar = reader.TradingDates;
        int first = Enumerable.Range(0, calendar.Count).FirstOrDefault(i => calendar[i] >= from, -1);
        int last = Enumerable.Range(0, calendar.Count).LastOrDefault(i => calendar[i] <= to, -1);
        if (first < 0 || last < first) throw new ArgumentException($"{storeName}: no trading dates between {from:yyyy-MM-dd} and {to:yyyy-MM-dd}");
        var start = calendar[Math.Max(0, first - (Preprocessing.CrossSection.RollingWindow - 1))];
        var end = calendar[Math.Min(calendar.Count - 1, last + horizon + 1)];
        var panel = reader.ReadPanel(start, end, factors);
        var names = FactorCatalog.Names.ToArray();
        var inputs = factors.Select(n => new FactorInput(n, panel.Factor(n), FactorCatalog.Directions[Array.IndexOf(names, n)])).ToList();
        foreach (var entry in scores) inputs.Add(ScoreInput(reader, panel, entry));
        return (panel, inputs);
    }

    /// <summary>
    /// One <c>--scores</c> entry: <c>table:NAME</c> (or a bare NAME) reads the store's score table; a path
    /// to a CSV file (<c>date,symbol,score</c>, e.g. from `engine predict`) is read onto the panel and named
    /// after the file. Scores of dates or symbols outside the panel are ignored.
    /// </summary>
    public static FactorInput ScoreInput(IDailyFeatureReader reader, DailyPanel panel, string entry)
    {
        if (entry.StartsWith("table:", StringComparison.Ordinal)) entry = entry["table:".Length..];
        else if (entry.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || File.Exists(entry))
            return new FactorInput(Path.GetFileNameWithoutExtension(entry), ReadScoreCsv(entry, panel), +1, IsScore: true);
        return new FactorInput(entry, reader.ReadScores(entry, panel), +1, IsScore: true);
    }

    private static double[] ReadScoreCsv(string path, DailyPanel panel)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--scores {path}: no such file");
        var values = new double[panel.Dates.Length * panel.Symbols.Length];
        Array.Fill(values, double.NaN);
        var symbolIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < panel.Symbols.Length; i++) symbolIndex[panel.Symbols[i].ToString()] = i;
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Trim() != "date,symbol,score") throw new InvalidDataException($"{path}:1: expected the header date,symbol,score");
        for (int n = 1; n < lines.Length; n++)
        {
            if (lines[n].Length == 0) continue;
            var cells = lines[n].Split(',');
            if (cells.Length != 3) throw new InvalidDataException($"{path}:{n + 1}: {cells.Length} fields, expected 3 (date,symbol,score)");
            if (!CanonicalRows.TryDate(cells[0], out var date)) throw new FormatException($"{path}:{n + 1}: date: '{cells[0]}' is not a date (YYYY-MM-DD)");
            double score = cells[2].Length == 0 ? double.NaN
                : double.TryParse(cells[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
                : throw new InvalidDataException($"{path}:{n + 1}: score '{cells[2]}' is not a number");
            int d = panel.DateIndex(date);
            if (d >= 0 && symbolIndex.TryGetValue(cells[1], out int s)) values[panel.Cell(d, s)] = score;
        }
        return values;
    }
}
