using System.IO.Compression;
using Sig.Engine.Text;
using Sig.Replay.Csv;
using Sig.Replay.Store;

namespace Sig.Replay.Tests.Csv;

/// <summary>Hand-written canonical CSVs in a temp directory, imported into a store beside them.</summary>
public sealed class CsvFixture : IDisposable
{
    public const string ReferenceHeader = "date,symbol,preclose,adj_factor,industry,total_shares,float_shares,is_st,limit_up,limit_down,csi500_weight,list_date,book_equity";
    public const string RefA = "2024-01-02,000001.SZ,10,1.25,801780,1000000,800000,0,11,9,0.0015,1991-04-03,";
    public const string RefB = "2024-01-02,600000.SH,8.5,3.0000000000000004,801780,5000000,4000000,1,8.93,8.08,0,,1234.5";

    public static readonly string[] GoodTrades =
    [
        "2024-01-02,000001.SZ,92500000,3,10.01,300,1,2,N,F",
        "2024-01-02,000001.SZ,93000120,5,10.02,100,4,2,B,F",
        "2024-01-02,600000.SH,93100000,12,8.5,200,10,11,S,F",
    ];

    public static readonly string[] GoodOrders =
    [
        "2024-01-02,000001.SZ,91500000,1,1,B,10.01,300,L",
        "2024-01-02,000001.SZ,91600000,2,2,S,10,500,L",
        "2024-01-02,000001.SZ,93000100,4,4,B,10.02,100,L",
        "2024-01-02,600000.SH,93000000,10,10,B,8.5,200,L",
        "2024-01-02,600000.SH,93000000,11,11,S,0,200,M",
    ];

    private readonly TempDir _dir = new();

    public string Dir => _dir.Path;
    public string Store => _dir.Sub("store");
    public string Trades { get; private set; } = "";
    public string Orders { get; private set; } = "";
    public string Reference { get; private set; } = "";

    public CsvFixture(string[]? trades = null, string[]? orders = null, string[]? reference = null, bool gzip = false)
    {
        string ext = gzip ? ".csv.gz" : ".csv";
        Trades = Write("trades" + ext, [CanonicalRows.TradeHeader, .. trades ?? GoodTrades], gzip);
        Orders = Write("orders" + ext, [CanonicalRows.OrderHeader, .. orders ?? GoodOrders], gzip);
        Reference = Write("reference" + ext, reference ?? [ReferenceHeader, RefA, RefB], gzip);
    }

    public string Write(string name, string[] lines, bool gzip = false)
    {
        string path = _dir.File(name);
        using var file = File.Create(path);
        using Stream s = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        using var w = new StreamWriter(s);
        foreach (var l in lines) w.Write(l + "\n");
        return path;
    }

    public ImportResult Import(bool allowRejects = false) => Import(Trades, Orders, Reference, allowRejects);

    public ImportResult Import(string trades, string orders, string reference, bool allowRejects = false)
    {
        using var sink = new TickStoreWriter(Store);
        return CsvImporter.Import(trades, orders, reference, sink, new ImportOptions { AllowRejects = allowRejects });
    }

    public TickStore OpenStore() => TickStore.Open(Store);

    public void Dispose() => _dir.Dispose();
}
