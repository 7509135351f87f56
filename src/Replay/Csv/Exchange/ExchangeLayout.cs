namespace Sig.Replay.Csv.Exchange;

/// <summary>The vendor CSV layouts of the exchanges' level-2 streams that <c>engine import</c> reads directly.</summary>
public enum ExchangeLayout : byte
{
    /// <summary>SZSE 逐笔委托.</summary>
    SzseOrders,
    /// <summary>SZSE 逐笔成交 (fills and ExecType 4 cancellations).</summary>
    SzseTrades,
    /// <summary>SSE 逐笔委托 (resting orders: A add, D delete).</summary>
    SseOrders,
    /// <summary>SSE 逐笔成交.</summary>
    SseTrades,
    /// <summary>SSE merged 逐笔 stream (orders, deletes, trades and status rows in one BizIndex sequence).</summary>
    SseTick,
}

/// <summary>Column names of each layout (matched case-insensitively after the configured renames) and which are required.</summary>
public static class ExchangeLayouts
{
    /// <summary>Required columns, in the order the parsers index them.</summary>
    public static IReadOnlyList<string> Columns(ExchangeLayout layout) => layout switch
    {
        ExchangeLayout.SzseOrders => ["ChannelNo", "ApplSeqNum", "SecurityID", "Price", "OrderQty", "Side", "TransactTime", "OrdType"],
        ExchangeLayout.SzseTrades => ["ChannelNo", "ApplSeqNum", "BidApplSeqNum", "OfferApplSeqNum", "SecurityID", "LastPx", "LastQty", "ExecType", "TransactTime"],
        ExchangeLayout.SseOrders => ["OrderIndex", "OrderChannel", "SecurityID", "OrderTime", "OrderType", "OrderNO", "OrderPrice", "Balance", "OrderBSFlag", "BizIndex"],
        ExchangeLayout.SseTrades => ["TradeIndex", "TradeChannel", "SecurityID", "TradeTime", "TradePrice", "TradeQty", "TradeMoney", "TradeBuyNo", "TradeSellNo", "TradeBSFlag", "BizIndex"],
        ExchangeLayout.SseTick => ["BizIndex", "Channel", "SecurityID", "TickTime", "Type", "BuyOrderNO", "SellOrderNO", "Price", "Qty", "TradeMoney", "TickBSFlag"],
        _ => throw new ArgumentOutOfRangeException(nameof(layout)),
    };

    /// <summary>Optional date column (for files whose times carry no date): YYYYMMDD or YYYY-MM-DD.</summary>
    public const string DateColumn = "TradingDay";

    /// <summary>The exchange suffix the layout's symbols get.</summary>
    public static string Exchange(ExchangeLayout layout) => layout is ExchangeLayout.SzseOrders or ExchangeLayout.SzseTrades ? "SZ" : "SH";

    /// <summary>The command-line option naming a file of the layout.</summary>
    public static string OptionName(ExchangeLayout layout) => layout switch
    {
        ExchangeLayout.SzseOrders => "--szse-orders",
        ExchangeLayout.SzseTrades => "--szse-trades",
        ExchangeLayout.SseOrders => "--sse-orders",
        ExchangeLayout.SseTrades => "--sse-trades",
        _ => "--sse-tick",
    };
}

/// <summary>
/// Where each required column sits in a file, found from its header row: names compared
/// case-insensitively after the configured renames (vendor name → layout name), any order,
/// extra columns ignored.
/// </summary>
public sealed class ColumnMap
{
    private readonly int[] _at;

    private ColumnMap(int[] at, int dateAt, int width)
    {
        _at = at;
        DateAt = dateAt;
        Width = width;
    }

    /// <summary>Index in the row of required column <paramref name="k"/> (the layout's order).</summary>
    public int this[int k] => _at[k];

    /// <summary>Index of the optional date column, or -1.</summary>
    public int DateAt { get; }

    /// <summary>Columns in the header.</summary>
    public int Width { get; }

    /// <summary>Maps a header row; null with <paramref name="error"/> naming the missing or repeated column.</summary>
    public static ColumnMap? TryParse(ExchangeLayout layout, ReadOnlySpan<char> header, IReadOnlyDictionary<string, string> renames, out string error)
    {
        var required = ExchangeLayouts.Columns(layout);
        var at = Enumerable.Repeat(-1, required.Count).ToArray();
        int dateAt = -1, width = 0;
        foreach (var range in header.Split(','))
        {
            string name = header[range].Trim().Trim('"').ToString();
            if (renames.TryGetValue(name, out var renamed)) name = renamed;
            int k = -1;
            for (int i = 0; i < required.Count; i++)
                if (string.Equals(required[i], name, StringComparison.OrdinalIgnoreCase)) k = i;
            if (k >= 0)
            {
                if (at[k] >= 0) { error = $"column {required[k]} appears twice (columns {at[k] + 1} and {width + 1})"; return null; }
                at[k] = width;
            }
            else if (string.Equals(name, ExchangeLayouts.DateColumn, StringComparison.OrdinalIgnoreCase)) dateAt = width;
            width++;
        }
        var missing = required.Where((_, i) => at[i] < 0).ToList();
        if (missing.Count > 0)
        {
            error = $"missing column(s) {string.Join(", ", missing)} (needs {string.Join(",", required)}, any order, any case; a 'columns' map in the configuration renames a vendor's names)";
            return null;
        }
        error = "";
        return new ColumnMap(at, dateAt, width);
    }
}
