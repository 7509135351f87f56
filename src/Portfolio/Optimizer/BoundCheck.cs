using Sig.Engine.Config;

namespace Sig.Portfolio.Optimizer;

/// <summary>
/// Checks a weight vector against the enhancement constraints, restated from their definitions
/// (not from the LP's internal numbers), to an absolute tolerance.
/// </summary>
public static class BoundCheck
{
    /// <summary>The default tolerance: weights are trusted only when every bound holds to 1e-9.</summary>
    public const double Tolerance = 1e-9;

    /// <summary>The first violated bound, or null when all hold. Turnover and size are checked only when active.</summary>
    public static string? FirstViolation(RebalanceInput input, OptimizerOptions bounds, double[] w,
        double? turnoverCap, bool sizeActive, double tol = Tolerance)
    {
        int n = input.Count;
        double sum = 0, floor = 0, sizeExposure = 0, turnover = 0;
        var industry = new double[input.IndustryNames.Length];
        var members = new bool[input.IndustryNames.Length];
        for (int i = 0; i < n; i++)
        {
            double b = input.BenchmarkWeight[i];
            double held = input.Held?[i] ?? 0;
            if (!(w[i] >= -tol)) return $"{input.Symbols[i]}: weight {w[i]:R} below 0";
            if (!input.Tradable[i])
            {
                if (!(Math.Abs(w[i] - held) <= tol)) return $"{input.Symbols[i]}: not tradable, weight {w[i]:R} differs from held {held:R}";
            }
            else if (!(Math.Abs(w[i] - b) <= bounds.ActiveBound + tol))
                return $"{input.Symbols[i]}: active weight {w[i] - b:R} beyond ±{bounds.ActiveBound}";
            sum += w[i];
            if (b > 0) floor += w[i];
            industry[input.Industry[i]] += w[i] - b;
            members[input.Industry[i]] = true;
            sizeExposure += (w[i] - b) * input.SizeExposure[i];
            turnover += Math.Abs(w[i] - held);
        }
        if (!(Math.Abs(sum - 1) <= tol)) return $"budget: Σw = {sum:R}";
        if (!(floor >= bounds.ConstituentFloor - tol)) return $"constituent weight {floor:R} below {bounds.ConstituentFloor}";
        for (int k = 0; k < industry.Length; k++)
            if (members[k] && !(Math.Abs(industry[k]) <= bounds.IndustryBound + tol))
                return $"industry {input.IndustryNames[k]}: active weight {industry[k]:R} beyond ±{bounds.IndustryBound}";
        if (sizeActive && !(Math.Abs(sizeExposure) <= bounds.SizeBound + tol))
            return $"size: active exposure {sizeExposure:R} beyond ±{bounds.SizeBound}";
        if (turnoverCap is { } cap && input.Held is not null && !(turnover <= cap + tol))
            return $"turnover {turnover:R} above {cap}";
        return null;
    }

    /// <summary>Constituent weight, largest |industry active weight|, size active exposure, turnover, holdings.</summary>
    public static PortfolioExposures Exposures(RebalanceInput input, double[] w)
    {
        double floor = 0, size = 0, turnover = 0;
        int holdings = 0;
        var industry = new double[input.IndustryNames.Length];
        for (int i = 0; i < input.Count; i++)
        {
            double b = input.BenchmarkWeight[i];
            if (b > 0) floor += w[i];
            industry[input.Industry[i]] += w[i] - b;
            size += (w[i] - b) * input.SizeExposure[i];
            turnover += Math.Abs(w[i] - (input.Held?[i] ?? 0));
            if (w[i] > 0) holdings++;
        }
        double maxInd = 0;
        foreach (double a in industry) maxInd = Math.Max(maxInd, Math.Abs(a));
        return new PortfolioExposures(floor, maxInd, size, turnover, holdings);
    }
}
