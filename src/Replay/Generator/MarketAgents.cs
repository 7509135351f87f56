namespace Sig.Replay.Generator;

/// <summary>
/// What every agent sees when it acts: the matching engine and the stock's quoting scale at
/// this moment. Prices are FixedPrice ticks on the 0.01 CNY grid.
/// </summary>
public readonly struct AgentContext(MatchingEngine engine, long fundamental, long halfSpread, long lot, long limitDown, long limitUp)
{
    public MatchingEngine Engine { get; } = engine;
    /// <summary>The fundamental value rounded to the grid and clamped into the day's limits.</summary>
    public long Fundamental { get; } = fundamental;
    /// <summary>Liquidity providers' half spread in ticks (a multiple of <see cref="OrderBook.Tick"/>).</summary>
    public long HalfSpread { get; } = halfSpread;
    /// <summary>A typical small order in shares (a multiple of 100).</summary>
    public long Lot { get; } = lot;

    public long Clamp(long price) => Math.Clamp(price, limitDown, limitUp);

    /// <summary>Shares for a multiple of the typical size, in whole 100-share lots, at least one lot.</summary>
    public long Shares(double lots) => Math.Max(100, (long)(Lot * lots / 100) * 100);
}

/// <summary>
/// Noise traders: small limit orders around the fundamental (some marketable), small market
/// orders, best-own-side (U) orders, and cancellations of resting orders.
/// </summary>
public static class NoiseTrader
{
    public static void Act(in AgentContext ctx, ref DeterministicRng rng)
    {
        byte side = (rng.NextU64() & 1) == 0 ? OrderBook.Buy : OrderBook.Sell;
        long qty = ctx.Shares(0.2 + 1.8 * rng.NextDouble());
        double kind = rng.NextDouble();
        if (kind < 0.10)
        {
            ctx.Engine.SubmitMarket(side, qty, ref rng);
            return;
        }
        if (kind < 0.16 && ctx.Engine.SubmitBestOwn(side, qty, ref rng)) return;

        // Offsets below zero cross the spread: about a fifth of noise limit orders are marketable.
        long away = (rng.NextInt(9) - 2) * OrderBook.Tick;
        long price = side == OrderBook.Buy ? ctx.Fundamental - ctx.HalfSpread - away : ctx.Fundamental + ctx.HalfSpread + away;
        ctx.Engine.SubmitLimit(side, ctx.Clamp(price), qty, ref rng);
    }

    /// <summary>
    /// Cancels one resting order: of two picked at random, the one farther from the fundamental,
    /// so stale quotes left behind by a moving price are the ones that disappear.
    /// </summary>
    public static void CancelStale(in AgentContext ctx, ref DeterministicRng rng)
    {
        var book = ctx.Engine.Book;
        if (book.LiveCount == 0) return;
        int a = book.LiveAt(rng.NextInt(book.LiveCount)), b = book.LiveAt(rng.NextInt(book.LiveCount));
        int slot = Math.Abs(book.PriceOf(a) - ctx.Fundamental) >= Math.Abs(book.PriceOf(b) - ctx.Fundamental) ? a : b;
        ctx.Engine.Cancel(slot, ref rng);
    }
}

/// <summary>
/// Liquidity providers: passive quotes a few ticks around the fundamental value, a few lots
/// each, which give the book the depth informed sweeps eat through.
/// </summary>
public static class LiquidityProvider
{
    public static void Quote(in AgentContext ctx, ref DeterministicRng rng)
    {
        byte side = (rng.NextU64() & 1) == 0 ? OrderBook.Buy : OrderBook.Sell;
        long away = rng.NextGeometric(0.35, 12) * OrderBook.Tick;
        long price = side == OrderBook.Buy ? ctx.Fundamental - ctx.HalfSpread - away : ctx.Fundamental + ctx.HalfSpread + away;
        ctx.Engine.SubmitLimit(side, ctx.Clamp(price), ctx.Shares(1.0 + 3.0 * rng.NextDouble()), ref rng);
    }
}

/// <summary>
/// Informed traders: one large marketable order sized to the opposite side's depth over 3–8
/// price levels, so it sweeps those levels and fills against many resting orders; these are
/// the orders big-order reconstruction should find. A third are market orders (any unfilled
/// remainder is cancelled), the rest limit orders priced at the deepest level they mean to take.
/// </summary>
public static class InformedTrader
{
    public static void Sweep(in AgentContext ctx, byte side, ref DeterministicRng rng)
    {
        var book = ctx.Engine.Book;
        byte opposite = side == OrderBook.Buy ? OrderBook.Sell : OrderBook.Buy;
        long depth = book.DepthWithin(opposite, rng.NextInt(3, 8), out long worstPrice);
        if (depth == 0)
        {
            // Nothing to take: an aggressive limit that will be filled by whoever comes next.
            worstPrice = side == OrderBook.Buy ? ctx.Fundamental + 3 * ctx.HalfSpread : ctx.Fundamental - 3 * ctx.HalfSpread;
            depth = ctx.Shares(8);
        }
        long qty = Math.Max(100, (long)(depth * (0.8 + 0.4 * rng.NextDouble()) / 100) * 100);
        if (rng.Chance(1.0 / 3)) ctx.Engine.SubmitMarket(side, qty, ref rng);
        else ctx.Engine.SubmitLimit(side, ctx.Clamp(worstPrice), qty, ref rng);
    }
}
