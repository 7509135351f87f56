using Sig.Engine.Events;
using Sig.Engine.Text;
using Sig.Replay.Csv;
using Sig.Replay.Csv.Exchange;
using Sig.Replay.Store;

namespace Sig.Replay.Tests.Csv.Exchange;

/// <summary>Hand-written vendor files and a reference file in a temp directory, imported into a store beside them.</summary>
public sealed class ExchangeFixture : IDisposable
{
    public static readonly DateOnly Day = new(2024, 1, 2);
    private readonly TempDir _dir = new();
    private int _stores;

    public string Reference { get; }

    public ExchangeFixture()
    {
        Reference = Write("reference.csv",
            "date,symbol,preclose,adj_factor,industry,total_shares,float_shares,is_st,limit_up,limit_down,csi500_weight",
            "2024-01-02,000001.SZ,10,1,801780,1000000,800000,0,11,9,0",
            "2024-01-02,600000.SH,8.5,1,801780,5000000,4000000,0,9.35,7.65,0");
    }

    public string Write(string name, params string[] lines)
    {
        string path = _dir.File(name);
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    /// <summary>Imports the sources (and optional canonical files) into a fresh store; returns the result and the store.</summary>
    public (ImportResult Result, TickStore? Store) Import(ExchangeInput exchange, string? trades = null, string? orders = null, bool allowRejects = false)
    {
        string store = _dir.Sub($"store{_stores++}");
        using var sink = new TickStoreWriter(store);
        var result = CsvImporter.Import(trades, orders, Reference, sink, new ImportOptions { Exchange = exchange, AllowRejects = allowRejects });
        return (result, result.Success ? TickStore.Open(store) : null);
    }

    /// <summary>A symbol's stored events in canonical text form.</summary>
    public static string[] Rows(TickStore store, string symbol)
    {
        using var day = store.OpenDay(Day);
        int i = day.IndexOf(SymbolCode.Parse(symbol));
        if (i < 0) return [];
        var events = new TickEvent[day.EventCount(i)];
        day.ReadEvents(i, events);
        return [.. events.Select(e => e.Kind == TickKind.Trade ? CanonicalRows.FormatTrade(Day, e) : CanonicalRows.FormatOrder(Day, e))];
    }

    public void Dispose() => _dir.Dispose();
}
