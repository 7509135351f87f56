namespace Sig.Factors.Intraday;

/// <summary>
/// Moments of the new-order stream (逐笔委托 rows of type L, M, U; D rows are cancellations)
/// for factors 24–27: order volume by side, early orders (09:30:00.000–09:59:59.999, both
/// sides, auction orders excluded) and the (volume, price) co-moments of buy limit orders.
/// </summary>
public sealed class OrderStreamStats
{
    public RunningMoments BuyVolume;
    public RunningMoments SellVolume;
    public RunningMoments EarlyVolume;
    public RunningCoMoments BuyLimitVolumePrice;

    public void AddOrder(int time, byte side, byte type, long volume, long priceTicks)
    {
        double v = volume;
        if (side == (byte)'B')
        {
            BuyVolume.Add(v);
            if (type == (byte)'L') BuyLimitVolumePrice.Add(v, priceTicks / 10000.0);
        }
        else
        {
            SellVolume.Add(v);
        }
        if (time >= 93000000 && time < 100000000) EarlyVolume.Add(v);
    }

    public void Clear()
    {
        BuyVolume = default; SellVolume = default; EarlyVolume = default; BuyLimitVolumePrice = default;
    }

    public void CopyTo(OrderStreamStats other)
    {
        other.BuyVolume = BuyVolume; other.SellVolume = SellVolume;
        other.EarlyVolume = EarlyVolume; other.BuyLimitVolumePrice = BuyLimitVolumePrice;
    }
}
