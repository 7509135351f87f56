using Sig.Engine.Events;
using Sig.Engine.Time;

namespace Sig.Replay.Generator;

/// <summary>What the cross-sectional model decides for one tradable symbol-day before its book opens.</summary>
public readonly record struct StockDayPlan
{
    public required SymbolCode Symbol { get; init; }
    public required long PreClose { get; init; }
    public required long LimitUp { get; init; }
    public required long LimitDown { get; init; }
    /// <summary>Fundamental value (CNY) the opening auction forms around.</summary>
    public required double OpenValue { get; init; }
    /// <summary>Fundamental value (CNY) the day ends at; the path in between is a Brownian bridge.</summary>
    public required double CloseValue { get; init; }
    /// <summary>Approximate number of events (trades and orders) to produce.</summary>
    public required int TargetEvents { get; init; }
    /// <summary>Number of informed sweeps today.</summary>
    public required int InformedOrders { get; init; }
    /// <summary>Probability that an informed sweep buys.</summary>
    public required double InformedBuyProbability { get; init; }
    /// <summary>Share of informed sweeps sent in the early window (09:30–10:00).</summary>
    public required double InformedEarlyShare { get; init; }
    public required bool ShStyleCancels { get; init; }
}

/// <summary>
/// Runs one symbol-day through the matching engine: opening call auction (orders 09:15–09:25,
/// cancels only before 09:20 as on the exchanges, uncross printed at 09:25:00), continuous
/// trading with noise traders, liquidity providers and informed sweeps on a U-shaped clock, and
/// the closing call auction (orders 14:57–15:00, no cancels, uncross printed at 15:00:00).
/// One instance is reused for every symbol-day so buffers stay warm.
/// </summary>
public sealed class SymbolDaySimulator
{
    private const double IntradayVolatility = 0.012;
    private const int ValueRefreshActions = 8;

    private readonly MatchingEngine _engine = new();
    private double[] _informedAt = new double[64];

    /// <summary>The events of the last simulated day, in seq order (valid until the next <see cref="Run"/>).</summary>
    public ReadOnlySpan<TickEvent> Events => _engine.Tape.Events;

    /// <summary>Simulates the day and returns its close: the closing-auction price, else the last fill, else the preclose.</summary>
    public long Run(in StockDayPlan plan, ref DeterministicRng rng)
    {
        var tape = _engine.Tape;
        var book = _engine.Book;
        book.Reset(plan.LimitDown, plan.LimitUp);
        tape.Reset(plan.Symbol, plan.ShStyleCancels, ref rng);
        _engine.LastPrice = plan.PreClose;

        int openTarget = Math.Max(20, plan.TargetEvents * 6 / 100);
        int closeTarget = Math.Max(12, plan.TargetEvents * 4 / 100);
        int continuousTarget = Math.Max(50, plan.TargetEvents - openTarget - closeTarget);

        RunOpeningAuction(plan, openTarget, ref rng);
        CallAuction.Uncross(_engine, ExchangeTime.OpenAuctionPrint, plan.PreClose, ref rng);
        RunContinuous(plan, continuousTarget, ref rng);
        RunClosingAuction(plan, closeTarget, ref rng);
        long closeAuction = CallAuction.Uncross(_engine, ExchangeTime.SessionClose, _engine.LastPrice, ref rng);
        return closeAuction > 0 ? closeAuction : _engine.LastPrice;
    }

    private void RunOpeningAuction(in StockDayPlan plan, int target, ref DeterministicRng rng)
    {
        var tape = _engine.Tape;
        var ctx = Context(plan, plan.OpenValue);
        int start = tape.Count;
        const int cancelUntil = 92000000; // 09:20–09:25 orders can no longer be cancelled
        while (tape.Count - start < target)
        {
            tape.Time = Math.Max(tape.Time, IntradayClock.AuctionTimeAt(ExchangeTime.OpenAuctionStart, 600_000, (tape.Count - start) / (double)target));
            if (tape.Time < cancelUntil && _engine.Book.LiveCount > 0 && rng.Chance(0.12))
                NoiseTrader.CancelStale(ctx, ref rng);
            else
                AuctionOrder(ctx, 0.006, ref rng);
        }
    }

    private void RunClosingAuction(in StockDayPlan plan, int target, ref DeterministicRng rng)
    {
        var tape = _engine.Tape;
        var ctx = Context(plan, plan.CloseValue);
        int start = tape.Count;
        while (tape.Count - start < target)
        {
            tape.Time = Math.Max(tape.Time, IntradayClock.AuctionTimeAt(ExchangeTime.CloseAuctionStart, 180_000, (tape.Count - start) / (double)target));
            AuctionOrder(ctx, 0.004, ref rng);
        }
    }

    /// <summary>A limit order scattered around the fundamental; buys above and sells below it make the auction cross.</summary>
    private void AuctionOrder(in AgentContext ctx, double dispersion, ref DeterministicRng rng)
    {
        byte side = (rng.NextU64() & 1) == 0 ? OrderBook.Buy : OrderBook.Sell;
        long price = (long)Math.Round(ctx.Fundamental * Math.Exp(dispersion * rng.NextNormal()) / OrderBook.Tick) * OrderBook.Tick;
        _engine.AddAuctionOrder(side, ctx.Clamp(price), ctx.Shares(0.3 + 2.5 * rng.NextDouble()), ref rng);
    }

    private void RunContinuous(in StockDayPlan plan, int target, ref DeterministicRng rng)
    {
        var tape = _engine.Tape;
        var book = _engine.Book;
        int informed = ScheduleInformed(plan, ref rng);
        int nextInformed = 0;

        double logOpen = Math.Log(plan.OpenValue), logClose = Math.Log(plan.CloseValue);
        double bridge = 0, lastProgress = 0;
        var ctx = Context(plan, plan.OpenValue);
        int targetLive = 60 + plan.TargetEvents / 200;
        int start = tape.Count;
        for (int action = 0; ; action++)
        {
            int done = tape.Count - start;
            if (done >= target) break;
            double progress = done / (double)target;
            tape.Time = Math.Max(tape.Time, IntradayClock.TimeAt(progress));

            if (action % ValueRefreshActions == 0)
            {
                // Brownian bridge: wanders intraday but lands on the day's closing value.
                double dp = progress - lastProgress;
                bridge += -bridge * dp / Math.Max(0.01, 1 - lastProgress) + IntradayVolatility * Math.Sqrt(dp) * rng.NextNormal();
                lastProgress = progress;
                ctx = Context(plan, Math.Exp(logOpen + (logClose - logOpen) * progress + bridge));
            }

            if (nextInformed < informed && _informedAt[nextInformed] <= progress)
            {
                nextInformed++;
                InformedTrader.Sweep(ctx, rng.Chance(plan.InformedBuyProbability) ? OrderBook.Buy : OrderBook.Sell, ref rng);
                continue;
            }

            // Cancellations rise with the book's size, which keeps the resting book near targetLive orders.
            double cancelP = Math.Clamp(0.3 * book.LiveCount / targetLive, 0.02, 0.6);
            double u = rng.NextDouble();
            if (u < cancelP) NoiseTrader.CancelStale(ctx, ref rng);
            else if (u < cancelP + (1 - cancelP) * 0.45) LiquidityProvider.Quote(ctx, ref rng);
            else NoiseTrader.Act(ctx, ref rng);
        }
    }

    /// <summary>Draws the progress points of the day's informed sweeps, early ones with the plan's early share; sorted.</summary>
    private int ScheduleInformed(in StockDayPlan plan, ref DeterministicRng rng)
    {
        int n = plan.InformedOrders;
        if (_informedAt.Length < n) _informedAt = new double[Math.Max(n, _informedAt.Length * 2)];
        double early = IntradayClock.EarlyProgress;
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble();
            _informedAt[i] = rng.Chance(plan.InformedEarlyShare) ? u * early : early + u * (0.98 - early);
        }
        Array.Sort(_informedAt, 0, n);
        return n;
    }

    private AgentContext Context(in StockDayPlan plan, double value)
    {
        long fundamental = Math.Clamp((long)Math.Round(value * FixedPrice.Scale / OrderBook.Tick) * OrderBook.Tick, plan.LimitDown, plan.LimitUp);
        long halfSpread = Math.Max(1, (long)Math.Round(value * 0.0008 * 100)) * OrderBook.Tick;
        // A typical small order is worth about 20k CNY, in whole lots of 100 shares.
        long lot = Math.Max(1, (long)Math.Round(20_000 / (value * 100))) * 100;
        return new AgentContext(_engine, fundamental, halfSpread, lot, plan.LimitDown, plan.LimitUp);
    }
}
