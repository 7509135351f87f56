namespace Sig.Replay.Generator;

/// <summary>
/// The call-auction uncross (opening 09:25 and closing 15:00): one uniform price for all
/// fills, chosen to maximize executed volume; ties go to the smallest imbalance, then to the
/// price closest to the reference (the previous close for the open, the last continuous
/// price for the close), then to the lower price. Orders are filled best price first, oldest
/// first, and every print carries side N at the auction's print time.
/// </summary>
public static class CallAuction
{
    /// <summary>Uncrosses the book; returns the auction price in ticks, or 0 when nothing crosses.</summary>
    public static long Uncross(MatchingEngine engine, int printTime, long referencePrice, ref DeterministicRng rng)
    {
        var book = engine.Book;
        int lo = book.BestAsk, hi = book.BestBid;
        if (hi < 0 || lo >= book.Levels || lo > hi) return 0;

        // Demand at level l = bids priced ≥ l; supply = asks priced ≤ l. Bids above hi and asks
        // below lo do not exist, so both cumulate within [lo, hi] only.
        long supplyBelow = 0;
        for (int l = 0; l < lo; l++) supplyBelow += book.AskQtyAt(l);
        long demandTotalFromLo = 0;
        for (int l = lo; l < book.Levels; l++) demandTotalFromLo += book.BidQtyAt(l);

        long bestVolume = -1, bestImbalance = 0, bestDistance = 0;
        int bestLevel = -1;
        long demand = demandTotalFromLo, supply = supplyBelow;
        for (int l = lo; l <= hi; l++)
        {
            supply += book.AskQtyAt(l);
            long volume = Math.Min(demand, supply);
            long imbalance = Math.Abs(demand - supply);
            long distance = Math.Abs(book.PriceOfLevel(l) - referencePrice);
            if (volume > bestVolume
                || (volume == bestVolume && (imbalance < bestImbalance || (imbalance == bestImbalance && distance < bestDistance))))
            {
                bestVolume = volume; bestImbalance = imbalance; bestDistance = distance; bestLevel = l;
            }
            demand -= book.BidQtyAt(l); // bids at l stop counting for the next, higher level
        }
        if (bestVolume <= 0) return 0;

        long price = book.PriceOfLevel(bestLevel);
        long remaining = bestVolume;
        var tape = engine.Tape;
        while (remaining > 0)
        {
            int buy = book.HeadAt(OrderBook.Buy, book.BestBid);
            int sell = book.HeadAt(OrderBook.Sell, book.BestAsk);
            long f = Math.Min(remaining, Math.Min(book.OpenOf(buy), book.OpenOf(sell)));
            tape.Fill(price, f, book.OrderIdOf(buy), book.OrderIdOf(sell), (byte)'N', printTime, ref rng);
            book.Reduce(buy, f);
            book.Reduce(sell, f);
            remaining -= f;
        }
        engine.LastPrice = price;
        return price;
    }
}
