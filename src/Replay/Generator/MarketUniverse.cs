using Sig.Engine.Events;

namespace Sig.Replay.Generator;

/// <summary>
/// The cross-sectional model: the symbols (SZ 000/300 and SH 600/688 boards, log-normal market
/// caps, industries, a few ST names, listings and delistings during the run) and their daily
/// evolution. Each day's fundamental log return is β·market + industry + idiosyncratic noise +
/// <see cref="SignalDrift"/>·(yesterday's signal); the signal is AR(1) with coefficient
/// <see cref="SignalPersistence"/>, so today's signal predicts the next ~10 days' drift.
/// Every draw comes from a stream keyed by (seed, symbol or market, day), never from the
/// order in which days or symbols were processed.
/// </summary>
public sealed class MarketUniverse
{
    /// <summary>AR(1) coefficient of the latent signal across trading days (half-life ≈ 6.6 days).</summary>
    public const double SignalPersistence = 0.9;
    /// <summary>Fundamental log drift per trading day per unit of signal.</summary>
    public const double SignalDrift = 0.005;

    private const double MarketVolatility = 0.012;
    private const double IndustryVolatility = 0.008;
    private const double SplitProbability = 0.002;
    private const double SuspensionProbability = 0.01;

    /// <summary>SW-style industry names; the reference rows carry them as the industry code.</summary>
    public static readonly string[] Industries =
        ["Banks", "NonBankFinance", "RealEstate", "Chemicals", "Steel", "Machinery", "Electronics",
         "Computers", "Pharma", "FoodBeverage", "Autos", "Utilities", "Media", "Defense"];

    private enum Stream : ulong { Universe = 1, MarketDay = 2, StockDay = 3, Book = 4 }

    private readonly GeneratorSettings _settings;
    private readonly IReadOnlyList<DateOnly> _days;
    private readonly StockState[] _stocks; // ascending symbol
    private readonly double[] _industryReturn = new double[Industries.Length];
    private int _membershipMonth = -1;

    public IReadOnlyList<StockState> Stocks => _stocks;

    public MarketUniverse(GeneratorSettings settings, IReadOnlyList<DateOnly> tradingDays)
    {
        _settings = settings;
        _days = tradingDays;
        var rng = DeterministicRng.For(settings.Seed, (ulong)Stream.Universe);
        var symbols = SymbolAllocator.Allocate(settings.Stocks, ref rng);
        _stocks = new StockState[settings.Stocks];
        int stCount = 0;
        for (int i = 0; i < settings.Stocks; i++)
        {
            double price = Math.Clamp(Math.Exp(Math.Log(12) + 0.7 * rng.NextNormal()), 2.0, 300.0);
            double cap = Math.Exp(Math.Log(1e10) + 1.0 * rng.NextNormal());
            long total = Math.Max(10_000_000, (long)(cap / price) / 100 * 100);
            long floatShares = (long)(total * (0.3 + 0.7 * rng.NextDouble())) / 100 * 100;
            int days = tradingDays.Count;
            bool lateListing = days >= 3 && rng.Chance(0.08);
            int firstDay = lateListing ? rng.NextInt(1, days - 1) : 0;
            bool delists = !lateListing && days >= 4 && rng.Chance(0.03);
            bool isSt = rng.Chance(0.05);
            stCount += isSt ? 1 : 0;
            _stocks[i] = new StockState
            {
                Symbol = symbols[i],
                Industry = rng.NextInt(Industries.Length),
                IsSt = isSt || (i == settings.Stocks - 1 && stCount == 0 && settings.Stocks >= 10),
                Beta = 0.7 + 0.6 * rng.NextDouble(),
                IdioVolatility = 0.01 + 0.015 * rng.NextDouble(),
                Activity = Math.Pow(cap / 1e10, 0.35) * Math.Exp(0.5 * rng.NextNormal()),
                ListDate = lateListing ? tradingDays[firstDay] : settings.Start.AddDays(-rng.NextInt(30, 4000)),
                FirstDay = firstDay,
                DelistDay = delists ? rng.NextInt(days / 2, days - 1) : int.MaxValue,
                LogValue = Math.Log(price),
                Signal = rng.NextNormal(),
                LastClose = RoundToCent(price),
                TotalShares = total,
                FloatShares = floatShares,
                FreeFloatShares = (long)(floatShares * (0.4 + 0.55 * rng.NextDouble())) / 100 * 100,
            };
        }
        // Activity is relative: a mean of 1 keeps the mean events per stock-day at the setting.
        double mean = _stocks.Average(s => s.Activity);
        foreach (var s in _stocks) s.Activity /= mean;
    }

    /// <summary>The per-(symbol, day) stream the order book of that symbol-day draws from.</summary>
    public DeterministicRng BookRng(SymbolCode symbol, DateOnly date) =>
        DeterministicRng.For(_settings.Seed, (ulong)Stream.Book, (ulong)symbol.Value, (ulong)date.DayNumber);

    /// <summary>
    /// Advances every stock to trading day <paramref name="dayIndex"/> and returns the reference
    /// rows (sorted by symbol, suspended symbols included) and the plans of the symbols that trade.
    /// </summary>
    public (List<DailyReference> References, List<(StockState Stock, StockDayPlan Plan)> Trading) Advance(int dayIndex)
    {
        var date = _days[dayIndex];
        var dayRng = DeterministicRng.For(_settings.Seed, (ulong)Stream.MarketDay, (ulong)date.DayNumber);
        double market = MarketVolatility * dayRng.NextNormal();
        for (int k = 0; k < _industryReturn.Length; k++) _industryReturn[k] = IndustryVolatility * dayRng.NextNormal();

        var references = new List<DailyReference>(_stocks.Length);
        var trading = new List<(StockState, StockDayPlan)>(_stocks.Length);
        var opens = new double[_stocks.Length];
        var closes = new double[_stocks.Length];
        var rngs = new DeterministicRng[_stocks.Length];
        for (int i = 0; i < _stocks.Length; i++)
        {
            var s = _stocks[i];
            var rng = DeterministicRng.For(_settings.Seed, (ulong)Stream.StockDay, (ulong)s.Symbol.Value, (ulong)date.DayNumber);
            // Yesterday's signal moves today's value; today's signal drives today's informed flow.
            double dayReturn = s.Beta * market + _industryReturn[s.Industry] + s.IdioVolatility * rng.NextNormal() + SignalDrift * s.Signal;
            s.Signal = SignalPersistence * s.Signal + Math.Sqrt(1 - SignalPersistence * SignalPersistence) * rng.NextNormal();
            double logStart = s.LogValue;
            s.LogValue += dayReturn;
            opens[i] = Math.Exp(logStart + 0.3 * dayReturn + 0.003 * rng.NextNormal());
            closes[i] = Math.Exp(s.LogValue);
            if (dayIndex == s.FirstDay && s.FirstDay > 0) s.LastClose = RoundToCent(Math.Exp(logStart)); // the IPO price
            else if (dayIndex > s.FirstDay && rng.Chance(SplitProbability)) ApplySplit(s, ref rng, ref opens[i], ref closes[i]);
            rngs[i] = rng;
        }
        UpdateIndexMembership(dayIndex, date);
        var weights = IndexWeights(dayIndex);

        for (int i = 0; i < _stocks.Length; i++)
        {
            var s = _stocks[i];
            if (dayIndex < s.FirstDay || dayIndex >= s.DelistDay) continue;
            ref var rng = ref rngs[i];
            bool suspended = s.SuspendedDaysLeft > 0;
            if (suspended) s.SuspendedDaysLeft--;
            else if (rng.Chance(SuspensionProbability)) { suspended = true; s.SuspendedDaysLeft = rng.NextGeometric(0.5, 5); }

            long preClose = s.LastClose;
            int pct = (int)Math.Round(s.Symbol.LimitRatio(s.IsSt) * 100);
            long cents = preClose / OrderBook.Tick;
            long limitUp = (cents * (100 + pct) + 50) / 100 * OrderBook.Tick;
            long limitDown = Math.Max(1, (cents * (100 - pct) + 50) / 100) * OrderBook.Tick;
            references.Add(new DailyReference
            {
                Date = date, Symbol = s.Symbol, PreClose = preClose, AdjFactor = s.AdjFactor,
                Industry = Industries[s.Industry], TotalShares = s.TotalShares, FloatShares = s.FloatShares,
                IsSt = s.IsSt, LimitUp = limitUp, LimitDown = limitDown,
                Weights = [s.IndexBlock == 1 ? weights[i] : 0.0, s.IndexBlock == 2 ? weights[i] : 0.0],
                ListDate = s.ListDate, FreeFloatShares = s.FreeFloatShares,
            });
            if (!suspended) trading.Add((s, PlanDay(s, preClose, limitUp, limitDown, opens[i], closes[i], ref rng)));
        }
        return (references, trading);
    }

    /// <summary>Records the simulated close of a symbol that traded, the next day's preclose.</summary>
    public static void RecordClose(StockState stock, long close) => stock.LastClose = close;

    private StockDayPlan PlanDay(StockState s, long preClose, long limitUp, long limitDown, double open, double close, ref DeterministicRng rng)
    {
        // Heavy-tailed day-to-day activity around the stock's level, mean preserved (E[exp(σZ − σ²/2)] = 1).
        int target = Math.Max(100, (int)(_settings.EventsPerStockDay * s.Activity * Math.Exp(0.3 * rng.NextNormal() - 0.045)));
        double signal = s.Signal;
        int informed = (int)Math.Round(target / 300.0 * Math.Exp(0.5 * signal + 0.3 * rng.NextNormal() - 0.045));
        return new StockDayPlan
        {
            Symbol = s.Symbol, PreClose = preClose, LimitUp = limitUp, LimitDown = limitDown,
            OpenValue = open, CloseValue = close, TargetEvents = target,
            InformedOrders = informed,
            InformedBuyProbability = 1 / (1 + Math.Exp(-1.5 * signal)),
            InformedEarlyShare = 0.2 + 0.5 * Math.Tanh(Math.Abs(signal)),
            ShStyleCancels = _settings.CancelStyle switch { "sh" => true, "sz" => false, _ => s.Symbol.Exchange == "SH" },
        };
    }

    /// <summary>A bonus-share split (送转): prices divide by the ratio, share counts and adj_factor multiply by it.</summary>
    private static void ApplySplit(StockState s, ref DeterministicRng rng, ref double open, ref double close)
    {
        double ratio = rng.NextInt(3) switch { 0 => 1.2, 1 => 1.5, _ => 2.0 };
        s.LastClose = Math.Max(OrderBook.Tick, RoundToCent(FixedPrice.ToDouble(s.LastClose) / ratio));
        s.AdjFactor *= ratio;
        s.TotalShares = (long)(s.TotalShares * ratio);
        s.FloatShares = (long)(s.FloatShares * ratio);
        s.FreeFloatShares = (long)(s.FreeFloatShares * ratio);
        s.LogValue -= Math.Log(ratio);
        open /= ratio;
        close /= ratio;
    }

    /// <summary>
    /// Index membership is reviewed monthly by free-float cap among listed non-ST stocks: ranks
    /// [10%, 40%) form the CSI500-like block, [40%, 80%) the CSI1000-like block (the top 10% is the
    /// large-cap index the engine does not benchmark against).
    /// </summary>
    private void UpdateIndexMembership(int dayIndex, DateOnly date)
    {
        int month = date.Year * 12 + date.Month;
        if (month == _membershipMonth) return;
        _membershipMonth = month;
        var eligible = _stocks.Where(s => dayIndex >= s.FirstDay && dayIndex < s.DelistDay && !s.IsSt)
            .OrderByDescending(s => s.FreeFloatCap).ThenBy(s => s.Symbol.Value).ToArray();
        foreach (var s in _stocks) s.IndexBlock = 0;
        int n = eligible.Length;
        for (int r = n / 10; r < n * 4 / 10; r++) eligible[r].IndexBlock = 1;
        for (int r = n * 4 / 10; r < n * 8 / 10; r++) eligible[r].IndexBlock = 2;
    }

    /// <summary>Each member's weight in its block, proportional to free-float cap among today's listed members.</summary>
    private double[] IndexWeights(int dayIndex)
    {
        var weights = new double[_stocks.Length];
        Span<double> blockTotal = stackalloc double[3];
        for (int i = 0; i < _stocks.Length; i++)
        {
            var s = _stocks[i];
            if (s.IndexBlock == 0 || dayIndex < s.FirstDay || dayIndex >= s.DelistDay) continue;
            weights[i] = s.FreeFloatCap;
            blockTotal[s.IndexBlock] += weights[i];
        }
        for (int i = 0; i < _stocks.Length; i++)
            if (weights[i] > 0) weights[i] /= blockTotal[_stocks[i].IndexBlock];
        return weights;
    }

    private static long RoundToCent(double price) => Math.Max(1, (long)Math.Round(price * 100, MidpointRounding.AwayFromZero)) * OrderBook.Tick;
}
