namespace Sig.Replay.Generator;

/// <summary>
/// Continuous-trading rules on top of an <see cref="OrderBook"/>: an incoming order is written
/// to the tape first, then matched against the opposite side best price first, oldest first;
/// every fill prints at the resting order's limit price with the incoming order as aggressor.
/// A limit remainder rests; a market order's unfilled remainder is cancelled at once (what
/// SZSE does with 即时成交剩余撤销 market orders), written in the symbol's cancel style, so
/// every order's open quantity is accounted for on the tape.
/// </summary>
public sealed class MatchingEngine
{
    public OrderBook Book { get; } = new();
    public EventTape Tape { get; } = new();

    /// <summary>Last fill price of the day (ticks), or the reference price before the first fill.</summary>
    public long LastPrice { get; set; }

    /// <summary>An auction-period limit order: written and rested, never matched until the uncross.</summary>
    public void AddAuctionOrder(byte side, long price, long qty, ref DeterministicRng rng)
    {
        long id = Tape.NewOrder(side, price, qty, (byte)'L', ref rng);
        Book.Add(id, side, price, qty);
    }

    /// <summary>A limit order in continuous trading: matches what it crosses, rests the rest.</summary>
    public void SubmitLimit(byte side, long price, long qty, ref DeterministicRng rng)
    {
        long id = Tape.NewOrder(side, price, qty, (byte)'L', ref rng);
        long left = Match(side, Book.LevelOf(price), qty, id, ref rng);
        if (left > 0) Book.Add(id, side, price, left);
    }

    /// <summary>A market order (price 0): sweeps the opposite side; the unfilled remainder is cancelled.</summary>
    public void SubmitMarket(byte side, long qty, ref DeterministicRng rng)
    {
        long id = Tape.NewOrder(side, 0, qty, (byte)'M', ref rng);
        long left = Match(side, side == OrderBook.Buy ? Book.Levels - 1 : 0, qty, id, ref rng);
        if (left > 0) Tape.Cancel(id, side, 0, left, ref rng);
    }

    /// <summary>A best-own-side (U) order rests at the own side's best price; false when that side is empty.</summary>
    public bool SubmitBestOwn(byte side, long qty, ref DeterministicRng rng)
    {
        int level = side == OrderBook.Buy ? Book.BestBid : Book.BestAsk;
        if (level < 0 || level >= Book.Levels) return false;
        long price = Book.PriceOfLevel(level);
        long id = Tape.NewOrder(side, price, qty, (byte)'U', ref rng);
        Book.Add(id, side, price, qty);
        return true;
    }

    /// <summary>Cancels all open shares of a resting order.</summary>
    public void Cancel(int slot, ref DeterministicRng rng)
    {
        Tape.Cancel(Book.OrderIdOf(slot), Book.SideOf(slot), Book.PriceOf(slot), Book.OpenOf(slot), ref rng);
        Book.Remove(slot);
    }

    /// <summary>Fills an incoming order against resting orders priced at or better than <paramref name="limitLevel"/>; returns what is left.</summary>
    private long Match(byte side, int limitLevel, long qty, long incomingId, ref DeterministicRng rng)
    {
        var book = Book;
        if (side == OrderBook.Buy)
        {
            while (qty > 0 && book.BestAsk < book.Levels && book.BestAsk <= limitLevel)
            {
                int level = book.BestAsk;
                int resting = book.HeadAt(OrderBook.Sell, level);
                long f = Math.Min(qty, book.OpenOf(resting));
                long price = book.PriceOfLevel(level);
                Tape.Fill(price, f, incomingId, book.OrderIdOf(resting), OrderBook.Buy, Tape.Time, ref rng);
                book.Reduce(resting, f);
                qty -= f;
                LastPrice = price;
            }
        }
        else
        {
            while (qty > 0 && book.BestBid >= 0 && book.BestBid >= limitLevel)
            {
                int level = book.BestBid;
                int resting = book.HeadAt(OrderBook.Buy, level);
                long f = Math.Min(qty, book.OpenOf(resting));
                long price = book.PriceOfLevel(level);
                Tape.Fill(price, f, book.OrderIdOf(resting), incomingId, OrderBook.Sell, Tape.Time, ref rng);
                book.Reduce(resting, f);
                qty -= f;
                LastPrice = price;
            }
        }
        return qty;
    }
}
