using Akka.Actor;
using Akka.Serialization;
using Sig.Actors.Pipeline;
using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Engine.Output;
using Sig.Factors.Output;

namespace Sig.Cluster;

/// <summary>
/// Binary serializer of the messages between engine nodes. Values travel as their IEEE-754
/// bits, so a row merged on another node is bit-identical to the row computed (NaN payloads
/// included) and the payload bytes and digest cannot depend on where a shard ran.
/// </summary>
public sealed class ClusterMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string RowsManifest = "R", TakenManifest = "T", StartManifest = "S";

    /// <summary>Akka serializer id (user range, above 100).</summary>
    public override int Identifier => 4715;

    public override string Manifest(object o) => o switch
    {
        ShardRows => RowsManifest,
        RowsTaken => TakenManifest,
        StartShard => StartManifest,
        _ => throw new ArgumentException($"not a cluster message: {o.GetType()}"),
    };

    public override byte[] ToBinary(object obj)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            switch (obj)
            {
                case ShardRows r: WriteRows(w, r); break;
                case RowsTaken t: w.Write(t.Shard); w.Write(t.Date.DayNumber); w.Write(t.Minute); w.Write(t.Digest); break;
                case StartShard s: w.Write(s.EntityId); break;
                default: throw new ArgumentException($"not a cluster message: {obj.GetType()}");
            }
        }
        return ms.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        return manifest switch
        {
            RowsManifest => ReadRows(r),
            TakenManifest => new RowsTaken(r.ReadInt32(), DateOnly.FromDayNumber(r.ReadInt32()), r.ReadInt32(), r.ReadString()),
            StartManifest => new StartShard(r.ReadString()),
            _ => throw new ArgumentException($"unknown cluster message manifest '{manifest}'"),
        };
    }

    private static void WriteRows(BinaryWriter w, ShardRows rows)
    {
        var p = rows.Part;
        w.Write(rows.Shard);
        w.Write(p.Date.DayNumber);
        w.Write(p.Minute);
        w.Write(p.Symbols.Length);
        foreach (var s in p.Symbols) w.Write(s.Value);
        w.Write(p.Values.Length);
        foreach (var v in p.Values) w.Write(BitConverter.DoubleToInt64Bits(v));
        foreach (var q in p.LastSeq) w.Write(q);
        var c = rows.Counters;
        w.Write(c.EventsApplied); w.Write(c.LateEvents); w.Write(c.UnknownSymbolEvents); w.Write(c.RejectedRows);
        w.Write(rows.Bars is null ? -1 : rows.Bars.Length);
        foreach (var b in rows.Bars ?? [])
        {
            w.Write(b.Symbol.Value);
            w.Write(BitConverter.DoubleToInt64Bits(b.Open)); w.Write(BitConverter.DoubleToInt64Bits(b.High));
            w.Write(BitConverter.DoubleToInt64Bits(b.Low)); w.Write(BitConverter.DoubleToInt64Bits(b.Close));
            w.Write(b.Volume); w.Write(BitConverter.DoubleToInt64Bits(b.Amount)); w.Write(b.Fills); w.Write((byte)b.Rule);
        }
        WriteReferences(w, rows.References);
    }

    private static void WriteReferences(BinaryWriter w, DailyReferenceSet? set)
    {
        w.Write(set is null ? -1 : set.Rows.Count);
        if (set is null) return;
        w.Write(set.WeightColumns.Count);
        foreach (var c in set.WeightColumns) w.Write(c);
        foreach (var r in set.Rows)
        {
            w.Write(r.Date.DayNumber); w.Write(r.Symbol.Value); w.Write(r.PreClose); w.Write(BitConverter.DoubleToInt64Bits(r.AdjFactor));
            w.Write(r.Industry); w.Write(r.TotalShares); w.Write(r.FloatShares); w.Write(r.IsSt); w.Write(r.LimitUp); w.Write(r.LimitDown);
            w.Write(r.Weights.Length);
            foreach (var x in r.Weights) w.Write(BitConverter.DoubleToInt64Bits(x));
            w.Write(r.ListDate?.DayNumber ?? int.MinValue);
            w.Write(r.FreeFloatShares.HasValue);
            w.Write(r.FreeFloatShares ?? 0);
            foreach (var x in new[] { r.BookEquity, r.EarningsTtm, r.OpCashflowTtm, r.Growth5y, r.Leverage }) w.Write(BitConverter.DoubleToInt64Bits(x));
        }
    }

    private static DailyReferenceSet? ReadReferences(BinaryReader r)
    {
        int count = r.ReadInt32();
        if (count < 0) return null;
        var columns = new string[r.ReadInt32()];
        for (int i = 0; i < columns.Length; i++) columns[i] = r.ReadString();
        var rows = new DailyReference[count];
        for (int i = 0; i < count; i++)
        {
            var date = DateOnly.FromDayNumber(r.ReadInt32());
            var symbol = new SymbolCode(r.ReadInt32());
            long preClose = r.ReadInt64();
            double adj = D(r);
            string industry = r.ReadString();
            long total = r.ReadInt64(), floating = r.ReadInt64();
            bool st = r.ReadBoolean();
            long up = r.ReadInt64(), down = r.ReadInt64();
            var weights = new double[r.ReadInt32()];
            for (int j = 0; j < weights.Length; j++) weights[j] = D(r);
            int listed = r.ReadInt32();
            bool hasFree = r.ReadBoolean();
            long free = r.ReadInt64();
            rows[i] = new DailyReference
            {
                Date = date, Symbol = symbol, PreClose = preClose, AdjFactor = adj, Industry = industry, TotalShares = total,
                FloatShares = floating, IsSt = st, LimitUp = up, LimitDown = down, Weights = weights,
                ListDate = listed == int.MinValue ? null : DateOnly.FromDayNumber(listed), FreeFloatShares = hasFree ? free : null,
                BookEquity = D(r), EarningsTtm = D(r), OpCashflowTtm = D(r), Growth5y = D(r), Leverage = D(r),
            };
        }
        return new DailyReferenceSet(rows, columns);
    }

    private static ShardRows ReadRows(BinaryReader r)
    {
        int shard = r.ReadInt32();
        var date = DateOnly.FromDayNumber(r.ReadInt32());
        int minute = r.ReadInt32();
        var symbols = new SymbolCode[r.ReadInt32()];
        for (int i = 0; i < symbols.Length; i++) symbols[i] = new SymbolCode(r.ReadInt32());
        var values = new double[r.ReadInt32()];
        for (int i = 0; i < values.Length; i++) values[i] = BitConverter.Int64BitsToDouble(r.ReadInt64());
        var lastSeq = new long[symbols.Length];
        for (int i = 0; i < lastSeq.Length; i++) lastSeq[i] = r.ReadInt64();
        var counters = new PipelineCounters(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64());
        int bars = r.ReadInt32();
        RawDailyBar[]? daily = bars < 0 ? null : new RawDailyBar[bars];
        for (int i = 0; i < bars; i++)
        {
            var symbol = new SymbolCode(r.ReadInt32());
            double open = D(r), high = D(r), low = D(r), close = D(r);
            long volume = r.ReadInt64();
            double amount = D(r);
            long fills = r.ReadInt64();
            daily![i] = new RawDailyBar(symbol, open, high, low, close, volume, amount, fills, (CloseRule)r.ReadByte());
        }
        return new ShardRows(shard, new FactorSnapshot(date, minute, symbols, values, lastSeq), counters, daily) { References = ReadReferences(r) };
    }

    private static double D(BinaryReader r) => BitConverter.Int64BitsToDouble(r.ReadInt64());
}
