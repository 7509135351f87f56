using System.Numerics;
using Sig.Engine.Events;
using Sig.Engine.Time;

namespace Sig.Factors.Tests.Cpu;

/// <summary>
/// An independent, deliberately naive implementation of docs/factors.md for tests: it rebuilds
/// everything from the raw events truncated at m with two-pass statistics, grouping and sorting,
/// and classifies big orders with BigInteger arithmetic. Shares no code with the engine.
/// </summary>
public static class ReferenceFactors
{
    private sealed record Fill(long Seq, int Bar, double Price, long PriceTicks, long Volume, long BuyId, long SellId, char Side);

    public static double[] Compute(IReadOnlyList<TickEvent> events, int m, double k = 1.0, long floorTicks = 0)
    {
        var v = Enumerable.Repeat(double.NaN, 27).ToArray();
        var fills = events.Where(e => e.Kind == TickKind.Trade && e.Type == 'F' && SessionBars.BarOf(e.Time) <= m)
            .OrderBy(e => e.Seq)
            .Select(e => new Fill(e.Seq, SessionBars.BarOf(e.Time), (double)(e.Price / 10000m), e.Price, e.Volume, e.BuyOrderId, e.SellOrderId, (char)e.Side))
            .ToList();
        var orders = events.Where(e => e.Kind == TickKind.Order && e.Type != 'D' && SessionBars.BarOf(e.Time) <= m).ToList();
        if (fills.Count == 0) return v;

        // Bars 1..m with the empty-bar rule.
        var open = new double[m + 1]; var high = new double[m + 1]; var low = new double[m + 1]; var close = new double[m + 1];
        var vol = new double[m + 1]; var amt = new decimal[m + 1]; var n = new int[m + 1]; var nab = new decimal[m + 1]; var r = new double[m + 1];
        double prev = fills[0].Price;
        for (int b = 1; b <= m; b++)
        {
            var fb = fills.Where(f => f.Bar == b).ToList();
            if (fb.Count > 0)
            {
                open[b] = fb[0].Price; close[b] = fb[^1].Price; high[b] = fb.Max(f => f.Price); low[b] = fb.Min(f => f.Price);
                vol[b] = fb.Sum(f => f.Volume); amt[b] = fb.Sum(f => f.PriceTicks * (decimal)f.Volume); n[b] = fb.Count;
                nab[b] = fb.Where(f => f.Side == 'B').Sum(f => f.PriceTicks * (decimal)f.Volume) - fb.Where(f => f.Side == 'S').Sum(f => f.PriceTicks * (decimal)f.Volume);
            }
            else open[b] = high[b] = low[b] = close[b] = prev;
            r[b] = b == 1 ? close[1] / open[1] - 1 : close[b] / close[b - 1] - 1;
            prev = close[b];
        }
        var bars = Enumerable.Range(1, m).ToList();
        var traded = bars.Where(b => n[b] > 0).ToList();

        if (m >= 211) v[0] = Skew(bars.Where(b => b >= 211).Select(b => r[b]));
        double all2 = bars.Sum(b => r[b] * r[b]);
        v[1] = all2 == 0 ? double.NaN : bars.Where(b => r[b] < 0).Sum(b => r[b] * r[b]) / all2;
        v[2] = Corr(bars.Skip(1).Select(b => r[b]), bars.Skip(1).Select(b => r[b - 1]));
        var pairs = bars.Skip(1).Where(b => n[b] > 0 && n[b - 1] > 0).ToList();
        v[3] = Corr(pairs.Select(b => close[b - 1]), pairs.Select(b => open[b]));
        double dayVol = bars.Sum(b => vol[b]);
        for (int h = 2; h <= 7; h++)
            if (m >= 30 * (h - 1) + 1) v[4 + h - 2] = bars.Where(b => (b - 1) / 30 + 1 == h).Sum(b => vol[b]) / dayVol;
        v[10] = Corr(bars.Select(b => vol[b]), bars.Select(b => (double)n[b]));
        v[11] = Corr(bars.Take(30).Select(b => vol[b]), bars.Take(30).Select(b => r[b]));
        int top = (int)Math.Ceiling(traded.Count * 3m / 10m);
        var big = traded.OrderByDescending(b => amt[b] / n[b]).ThenBy(b => b).Take(top).OrderBy(b => b);
        v[12] = big.Aggregate(1.0, (p, b) => p * (1 + r[b])) - 1;
        var down = traded.Where(b => r[b] < 0).ToList();
        decimal downN = down.Sum(b => (decimal)n[b]);
        v[13] = downN == 0 ? double.NaN : (double)((down.Sum(b => amt[b]) / downN) / (traded.Sum(b => amt[b]) / traded.Sum(b => (decimal)n[b])));
        v[14] = Corr(traded.Select(b => vol[b]), traded.Select(b => (high[b] - low[b]) / (b == 1 ? open[1] : close[b - 1])));

        // Parent orders and tick log returns.
        var ell = new double[fills.Count];
        for (int i = 1; i < fills.Count; i++) ell[i] = Math.Log(fills[i].Price / fills[i - 1].Price);
        var agg = new Dictionary<(long, bool), (BigInteger A, BigInteger E, double L, double El)>();
        void Add((long, bool) key, BigInteger a, bool early, double l, bool active)
        {
            agg.TryGetValue(key, out var o);
            agg[key] = (o.A + a, o.E + (early ? a : 0), o.L + l, o.El + (active ? l : 0));
        }
        for (int i = 0; i < fills.Count; i++)
        {
            var f = fills[i];
            BigInteger a = (BigInteger)f.PriceTicks * f.Volume;
            bool early = f.Bar <= 30;
            if (f.BuyId > 0) Add((f.BuyId, false), a, early, ell[i], early && f.Side == 'B');
            if (f.SellId > 0) Add((f.SellId, true), a, early, ell[i], early && f.Side == 'S');
        }
        BigInteger ta = fills.Aggregate(BigInteger.Zero, (s, f) => s + (BigInteger)f.PriceTicks * f.Volume);
        var list = agg.Values.ToList();
        int cnt = list.Count;
        BigInteger s1 = list.Aggregate(BigInteger.Zero, (s, o) => s + o.A);
        BigInteger dev2 = list.Aggregate(BigInteger.Zero, (s, o) => s + BigInteger.Pow(cnt * o.A - s1, 2)); // Σ(nA − S1)² = n²·Σ(A−μ)²
        bool allEqual = list.All(o => o.A == list[0].A);
        bool IsBig(BigInteger a)
        {
            if (cnt < 3 || a < floorTicks) return false;
            if (allEqual) return true;
            BigInteger x = cnt * a - s1; // n(A − μ)
            // A ≥ μ + kσ ⇔ n(A−μ) ≥ k·nσ = k·sqrt(Σ(nA−S1)²/n); exact squares for integral k ≥ 0.
            double lhs = (double)x, rhs = k * Math.Sqrt((double)dev2 / cnt);
            if (k == Math.Floor(k) && k >= 0)
                return x >= 0 && x * x * cnt >= (BigInteger)(k * k) * dev2;
            return lhs >= rhs;
        }
        if (cnt < 3) { v[15] = 0; v[17] = 0; v[18] = 0; }
        else
        {
            var bigOrders = agg.Where(kv => IsBig(kv.Value.A)).ToList();
            v[15] = (double)bigOrders.Aggregate(BigInteger.Zero, (s, o) => s + o.Value.A) / (2.0 * (double)ta);
            var eb = bigOrders.Where(o => !o.Key.Item2).Aggregate(BigInteger.Zero, (s, o) => s + o.Value.E);
            var es = bigOrders.Where(o => o.Key.Item2).Aggregate(BigInteger.Zero, (s, o) => s + o.Value.E);
            v[16] = eb + es == 0 ? double.NaN : (double)eb / (double)(eb + es);
            v[17] = bigOrders.Sum(o => o.Value.L);
            v[18] = bigOrders.Sum(o => o.Value.El);
        }
        var sqB = agg.Where(kv => !kv.Key.Item2).Aggregate(BigInteger.Zero, (s, o) => s + o.Value.A * o.Value.A);
        var sqS = agg.Where(kv => kv.Key.Item2).Aggregate(BigInteger.Zero, (s, o) => s + o.Value.A * o.Value.A);
        v[19] = (double)(sqB - sqS) / ((double)ta * (double)ta);
        var earlyFills = fills.Where(f => f.Bar <= 30).ToList();
        decimal eB = earlyFills.Where(f => f.Side == 'B').Sum(f => f.PriceTicks * (decimal)f.Volume);
        decimal eS = earlyFills.Where(f => f.Side == 'S').Sum(f => f.PriceTicks * (decimal)f.Volume);
        v[20] = eB + eS == 0 ? double.NaN : (double)(eB / (eB + eS));
        v[21] = Corr(bars.Skip(1).Select(b => (double)nab[b]), bars.Skip(1).Select(b => r[b - 1]));
        v[22] = Corr(bars.Skip(1).Select(b => (double)nab[b - 1]), bars.Skip(1).Select(b => r[b]));

        var buyVol = orders.Where(o => o.Side == 'B').Select(o => (double)o.Volume).ToList();
        var sellVol = orders.Where(o => o.Side == 'S').Select(o => (double)o.Volume).ToList();
        v[23] = Skew(buyVol) - Skew(sellVol);
        v[24] = Kurt(buyVol) - Kurt(sellVol);
        v[25] = Kurt(orders.Where(o => o.Time >= 93000000 && o.Time <= 95959999).Select(o => (double)o.Volume));
        var bl = orders.Where(o => o.Side == 'B' && o.Type == 'L').ToList();
        v[26] = Corr(bl.Select(o => (double)o.Volume), bl.Select(o => (double)(o.Price / 10000m)));
        return v;
    }

    public static double Skew(IEnumerable<double> xs)
    {
        var x = xs.ToArray();
        if (x.Length < 3 || x.Min() == x.Max()) return double.NaN;
        double mu = x.Average(), m2 = x.Average(a => (a - mu) * (a - mu)), m3 = x.Average(a => Math.Pow(a - mu, 3));
        return m3 / Math.Pow(m2, 1.5);
    }

    public static double Kurt(IEnumerable<double> xs)
    {
        var x = xs.ToArray();
        if (x.Length < 3 || x.Min() == x.Max()) return double.NaN;
        double mu = x.Average(), m2 = x.Average(a => (a - mu) * (a - mu)), m4 = x.Average(a => Math.Pow(a - mu, 4));
        return m4 / (m2 * m2) - 3;
    }

    public static double Corr(IEnumerable<double> xs, IEnumerable<double> ys)
    {
        var x = xs.ToArray(); var y = ys.ToArray();
        if (x.Length < 3 || x.Min() == x.Max() || y.Min() == y.Max()) return double.NaN;
        double mx = x.Average(), my = y.Average();
        double sxy = x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum();
        return sxy / Math.Sqrt(x.Sum(a => (a - mx) * (a - mx)) * y.Sum(b => (b - my) * (b - my)));
    }
}
