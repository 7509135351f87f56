using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>`engine import` with SZSE and SSE files, a configured column rename and a lost message; `engine store info` shows the loss.</summary>
public sealed class ImportExchangeCliTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _dir = Directory.CreateTempSubdirectory("engine-import-exchange-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, params string[] lines)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    [Fact]
    public void Szse_and_sse_files_import_into_one_day_and_store_info_lists_the_lost_range()
    {
        string reference = Write("reference.csv",
            "date,symbol,preclose,adj_factor,industry,total_shares,float_shares,is_st,limit_up,limit_down,csi500_weight",
            "2024-01-02,000001.SZ,10,1,801780,1000000,800000,0,11,9,0",
            "2024-01-02,600000.SH,8.5,1,801780,5000000,4000000,0,9.35,7.65,0");
        string szOrders = Write("sz_order.csv",
            "ChannelNo,ApplSeqNum,SecurityID,Price,OrderQty,Side,TransactTime,OrdType",
            "2011,1,000001,10.00,300,1,20240102093000000,2",
            "2011,2,000001,10.00,300,2,20240102093001000,2");
        // The vendor calls LastPx "TradePx"; ApplSeqNum 3..4 never arrived.
        string szTrades = Write("sz_trade.csv",
            "ChannelNo,ApplSeqNum,BidApplSeqNum,OfferApplSeqNum,SecurityID,TradePx,LastQty,ExecType,TransactTime",
            "2011,5,1,2,000001,10.00,300,F,20240102093001000");
        string shTick = Write("sh_tick.csv",
            "BizIndex,Channel,SecurityID,TickTime,Type,BuyOrderNO,SellOrderNO,Price,Qty,TradeMoney,TickBSFlag",
            "1,1,600000,09:30:00.000,A,100,0,8.50,1000,0,B",
            "2,1,600000,09:30:05.000,T,100,200,8.50,300,2550,S");
        string config = Write("engine.json", """{ "import": { "columns": { "TradePx": "LastPx" } } }""");
        string store = Path.Combine(_dir, "store");

        var (code, stdout, stderr) = EngineProcess.Run(Timeout, "import", "--config", config, "--reference", reference, "--store", store,
            "--szse-orders", szOrders, "--szse-trades", szTrades, "--sse-tick", shTick, "--date", "2024-01-02");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("imported 6 events", stdout); // 3 SZ + A, T and the rebuilt sell order 200
        Assert.Contains("3-4", stdout);

        (code, stdout, stderr) = EngineProcess.Run(Timeout, "store", "info", "--store", store);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("ApplSeqNum", stdout);
        Assert.Contains("2011", stdout);
        Assert.Contains("3-4", stdout);

        (code, stdout, stderr) = EngineProcess.Run(Timeout, "import", "--reference", reference, "--store", Path.Combine(_dir, "store2"), "--szse-trades", szTrades);
        Assert.Equal(2, code);
        // The refusal is an error: it goes to stderr, not stdout.
        Assert.Contains("missing column(s) LastPx", stderr.Replace("\n", "", StringComparison.Ordinal));
    }
}
