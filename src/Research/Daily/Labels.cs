using Sig.Data.Features;

namespace Sig.Research.Daily;

/// <summary>
/// Forward returns at VWAP (docs/events-and-sessions.md): buy at T+1's adjusted VWAP, sell at T+1+H's; when the
/// bar at T+1+H is missing (suspension, delisting) the last VWAP before it (after T+1) is used.
/// NaN when T+1 has no bar, or when T+1+H lies past the panel's last date (the label needs
/// days the store does not have yet).
/// </summary>
public static class Labels
{
    public const int EvaluationHorizon = 5;
    public const int ModelHorizon = 10;

    /// <summary>The label of every symbol for date index <paramref name="d"/> and horizon <paramref name="h"/>.</summary>
    public static double[] ForwardReturns(DailyPanel panel, int d, int h)
    {
        var result = new double[panel.Symbols.Length];
        Array.Fill(result, double.NaN);
        int buy = d + 1, sell = d + 1 + h;
        if (sell >= panel.Dates.Length) return result;
        for (int s = 0; s < result.Length; s++)
        {
            double entry = panel.Vwap[panel.Cell(buy, s)];
            if (double.IsNaN(entry)) continue;
            double exit = double.NaN;
            for (int k = sell; k >= buy && double.IsNaN(exit); k--) exit = panel.Vwap[panel.Cell(k, s)];
            result[s] = exit / entry - 1;
        }
        return result;
    }
}
