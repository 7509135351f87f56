using Sig.Data.Features;
using Sig.Research.Daily;
using Sig.Models.Data;
using Prep = Sig.Research.Preprocessing.CrossSection;
using ModelCrossSection = Sig.Models.Data.CrossSection;

namespace Sig.Inference;

/// <summary>
/// The store adapter of the models: builds a date's <see cref="ModelCrossSection"/> (symbols,
/// input tensors, standardized labels, styles) from a <see cref="DailyPanel"/> read through
/// <see cref="IDailyFeatureReader"/>. Everything for date T is computed from panel dates ≤ T —
/// except the training label, which needs T+11 and is NaN when the panel ends before it — so
/// a date's inputs and score do not depend on how far the store runs past T.
/// <list type="bullet">
/// <item>Factors: on each day t of the window the 27 raw daily factors are winsorized, neutralized
/// (industry + ln cap) and standardized over t's tradable universe, NaN → 0.</item>
/// <item>Bars: daily/weekly/monthly adjusted bars (open, high, low, close, vwap, volume) of the calendar's
/// last periods up to T (the current week/month up to T is the last bar); each series is divided by
/// its last value, then z-scored per time step and feature over the date's samples; NaN → 0.</item>
/// <item>Picture: return1, open, high, low, close, vwap, volume, turn, free_turn, close/free_turn,
/// open/turn, volume/low, vwap/high, low/high, vwap/close per day; NaN → 0.</item>
/// </list>
/// A stock enters date T when it is in T's tradable universe (scoring) or research universe with
/// a finite label (training), and it has data on at least <see cref="InputSpec.MinDays"/> of the
/// window's days.
/// </summary>
public sealed class StoreInputs(DailyPanel panel)
{
    private readonly Dictionary<int, double[][]> _factors = [];
    private readonly Dictionary<int, bool[]> _tradable = [];

    public DailyPanel Panel { get; } = panel;

    /// <summary>
    /// The cross-section of date index <paramref name="d"/>, or null when no stock qualifies. With
    /// <paramref name="training"/> only research-universe stocks with a known label enter and labels are
    /// standardized; otherwise the tradable universe and NaN labels. <paramref name="styles"/> adds the
    /// six technical style exposures (NaN → 0) for the neutralized loss.
    /// </summary>
    public ModelCrossSection? Build(InputSpec spec, int d, bool training, bool styles = false)
    {
        int ns = Panel.Symbols.Length;
        double[] labels = training ? Labels.ForwardReturns(Panel, d, Labels.ModelHorizon) : new double[ns];
        bool[] universe = training ? Universes.Research(Panel, d) : Tradable(d);
        int first = d - spec.Days + 1;
        if (first < 0) return null;
        var rows = new List<int>();
        for (int s = 0; s < ns; s++)
        {
            if (!universe[s] || (training && !double.IsFinite(labels[s]))) continue;
            int observed = 0;
            for (int t = first; t <= d; t++) if (Observed(spec.Kind, t, s)) observed++;
            if (observed >= spec.MinDays) rows.Add(s);
        }
        if (rows.Count == 0) return null;
        var inputs = spec.Kind switch
        {
            InputKind.Factors => [FactorWindow(spec, d, rows)],
            InputKind.Bars => BarWindows(spec, d, rows),
            _ => [Picture(spec, d, rows)],
        };
        float[]? y = null;
        if (training)
        {
            var l = rows.Select(s => labels[s]).ToArray();
            Prep.Standardize(l);
            y = [.. l.Select(v => (float)v)];
        }
        float[]? st = null;
        int styleCount = 0;
        if (styles)
        {
            var all = StyleModel.Compute(Panel, d);
            styleCount = 6;
            st = new float[rows.Count * styleCount];
            for (int r = 0; r < rows.Count; r++)
                for (int k = 0; k < styleCount; k++)
                    st[r * styleCount + k] = double.IsFinite(all[k][rows[r]]) ? (float)all[k][rows[r]] : 0f;
        }
        return new ModelCrossSection(Panel.Dates[d], [.. rows.Select(s => Panel.Symbols[s].ToString())], inputs, y, st, styleCount);
    }

    private bool[] Tradable(int d)
    {
        if (!_tradable.TryGetValue(d, out var m)) _tradable[d] = m = Universes.Tradable(Panel, d);
        return m;
    }

    private bool Observed(InputKind kind, int t, int s)
    {
        if (!Tradable(t)[s]) return false;
        if (kind != InputKind.Factors) return true;
        var f = Factors(t);
        for (int k = 0; k < f.Length; k++) if (!double.IsNaN(f[k][s])) return true;
        return false;
    }

    /// <summary>Day <paramref name="t"/>'s 27 factors winsorized, neutralized and standardized over its tradable universe (NaN outside).</summary>
    public double[][] Factors(int t)
    {
        if (_factors.TryGetValue(t, out var cached)) return cached;
        int ns = Panel.Symbols.Length, at = t * ns;
        var tradable = Tradable(t);
        var industry = Panel.Industry.AsSpan(at, ns);
        var cap = Panel.TotalCap.AsSpan(at, ns);
        var designs = new Sig.Research.Preprocessing.NeutralizationDesigns();
        var result = new double[Panel.Factors.Length][];
        for (int f = 0; f < result.Length; f++)
        {
            var x = new double[ns];
            for (int s = 0; s < ns; s++) x[s] = tradable[s] ? Panel.Factors[f][at + s] : double.NaN;
            Prep.Winsorize(x);
            Prep.Neutralize(x, industry, cap, designs);
            Prep.Standardize(x);
            result[f] = x;
        }
        _factors[t] = result;
        return result;
    }

    private SequenceTensor FactorWindow(InputSpec spec, int d, List<int> rows)
    {
        int nf = Panel.Factors.Length, days = spec.Days;
        var data = new float[rows.Count * days * nf];
        for (int k = 0; k < days; k++)
        {
            var f = Factors(d - days + 1 + k);
            for (int r = 0; r < rows.Count; r++)
            {
                int o = (r * days + k) * nf;
                for (int j = 0; j < nf; j++)
                {
                    double v = f[j][rows[r]];
                    data[o + j] = double.IsNaN(v) ? 0f : (float)v;
                }
            }
        }
        return new SequenceTensor(rows.Count, days, nf, data);
    }

    private const int BarFeatures = 6;

    private SequenceTensor[] BarWindows(InputSpec spec, int d, List<int> rows)
    {
        var daily = new double[rows.Count, spec.Days, BarFeatures];
        for (int r = 0; r < rows.Count; r++)
            for (int k = 0; k < spec.Days; k++)
            {
                int t = d - spec.Days + 1 + k;
                int c = Panel.Cell(t, rows[r]);
                Fill(daily, r, k, double.IsNaN(Panel.Close[c]) ? null : (Panel.Open[c], Panel.High[c], Panel.Low[c], Panel.Close[c], Panel.Vwap[c], Panel.Volume[c]));
            }
        return [Normalize(daily), Normalize(Periods(BarPeriod.Week, spec.Weeks, d, rows)), Normalize(Periods(BarPeriod.Month, spec.Months, d, rows))];
    }

    private static void Fill(double[,,] x, int r, int k, (double O, double H, double L, double C, double V, double Vol)? bar)
    {
        var (o, h, l, c, v, vol) = bar ?? (double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        x[r, k, 0] = o; x[r, k, 1] = h; x[r, k, 2] = l; x[r, k, 3] = c; x[r, k, 4] = v; x[r, k, 5] = vol;
    }

    /// <summary>
    /// The last <paramref name="count"/> calendar periods up to and including date index <paramref name="d"/>
    /// (the current one cut at T); a period where the symbol has no bar is NaN. Same rules as <see cref="PeriodBars"/>.
    /// </summary>
    private double[,,] Periods(BarPeriod period, int count, int d, List<int> rows)
    {
        var x = new double[rows.Count, count, BarFeatures];
        for (int r = 0; r < rows.Count; r++) for (int k = 0; k < count; k++) Fill(x, r, k, null);
        int end = d, slot = count - 1;
        while (slot >= 0 && end >= 0)
        {
            var key = PeriodBars.KeyOf(Panel.Dates[end], period);
            int start = end;
            while (start > 0 && PeriodBars.KeyOf(Panel.Dates[start - 1], period) == key) start--;
            for (int r = 0; r < rows.Count; r++)
            {
                int s = rows[r], first = -1, last = -1;
                double high = double.MinValue, low = double.MaxValue, volume = 0, amount = 0, adjustedVolume = 0;
                for (int t = start; t <= end; t++)
                {
                    int c = Panel.Cell(t, s);
                    if (double.IsNaN(Panel.Close[c])) continue;
                    if (first < 0) first = t;
                    last = t;
                    high = Math.Max(high, Panel.High[c]); low = Math.Min(low, Panel.Low[c]);
                    volume += Panel.Volume[c]; amount += Panel.Amount[c]; adjustedVolume += Panel.Volume[c] / Panel.AdjFactor[c];
                }
                if (first >= 0)
                    Fill(x, r, slot, (Panel.Open[Panel.Cell(first, s)], high, low, Panel.Close[Panel.Cell(last, s)], amount / adjustedVolume, volume));
            }
            slot--;
            end = start - 1;
        }
        return x;
    }

    /// <summary>Each series divided by its last value, then a z-score per (time step, feature) over the samples; NaN → 0.</summary>
    private static SequenceTensor Normalize(double[,,] x)
    {
        int n = x.GetLength(0), t = x.GetLength(1), f = x.GetLength(2);
        for (int r = 0; r < n; r++)
            for (int j = 0; j < f; j++)
            {
                double last = x[r, t - 1, j];
                for (int k = 0; k < t; k++) x[r, k, j] = last != 0 ? x[r, k, j] / last : double.NaN;
            }
        var data = new float[n * t * f];
        var column = new double[n];
        for (int k = 0; k < t; k++)
            for (int j = 0; j < f; j++)
            {
                for (int r = 0; r < n; r++) column[r] = double.IsFinite(x[r, k, j]) ? x[r, k, j] : double.NaN;
                Prep.Standardize(column);
                for (int r = 0; r < n; r++) data[(r * t + k) * f + j] = double.IsNaN(column[r]) ? 0f : (float)column[r];
            }
        return new SequenceTensor(n, t, f, data);
    }

    private const int PictureFeatures = 15;

    private SequenceTensor Picture(InputSpec spec, int d, List<int> rows)
    {
        int days = spec.Days;
        var data = new float[rows.Count * days * PictureFeatures];
        Span<double> v = stackalloc double[PictureFeatures];
        for (int r = 0; r < rows.Count; r++)
            for (int k = 0; k < days; k++)
            {
                int t = d - days + 1 + k, s = rows[r], c = Panel.Cell(t, s);
                double open = Panel.Open[c], high = Panel.High[c], low = Panel.Low[c], close = Panel.Close[c], vwap = Panel.Vwap[c], volume = Panel.Volume[c];
                double prev = t > 0 ? Panel.Close[Panel.Cell(t - 1, s)] : double.NaN;
                double turn = Panel.Turnover[c], freeTurn = Panel.FreeTurnover[c];
                v[0] = close / prev - 1; v[1] = open; v[2] = high; v[3] = low; v[4] = close; v[5] = vwap; v[6] = volume;
                v[7] = turn; v[8] = freeTurn; v[9] = close / freeTurn; v[10] = open / turn; v[11] = volume / low;
                v[12] = vwap / high; v[13] = low / high; v[14] = vwap / close;
                int o = (r * days + k) * PictureFeatures;
                for (int j = 0; j < PictureFeatures; j++) data[o + j] = double.IsFinite(v[j]) ? (float)v[j] : 0f;
            }
        return new SequenceTensor(rows.Count, days, PictureFeatures, data);
    }
}
