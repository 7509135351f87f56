using System.Text;
using Sig.Engine.Events;

namespace Sig.Replay.Store;

/// <summary>
/// Binary form of a day's <see cref="DailyReference"/> rows inside a tick day file. Doubles are
/// stored as their bits, so every value (NaN for unknown fundamentals included) round-trips exactly.
/// </summary>
internal static class ReferenceCodec
{
    private const int NoListDate = int.MinValue;

    public static byte[] Encode(IReadOnlyList<DailyReference> references, int weightCount)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            foreach (var r in references)
            {
                if (r.Weights.Length != weightCount)
                    throw new ArgumentException($"reference {r.Symbol}: {r.Weights.Length} weights, the schema has {weightCount}");
                w.Write(r.Symbol.Value);
                w.Write(r.PreClose);
                w.Write(r.AdjFactor);
                w.Write(r.Industry);
                w.Write(r.TotalShares);
                w.Write(r.FloatShares);
                w.Write(r.IsSt);
                w.Write(r.LimitUp);
                w.Write(r.LimitDown);
                foreach (double x in r.Weights) w.Write(x);
                w.Write(r.ListDate?.DayNumber ?? NoListDate);
                w.Write(r.FreeFloatShares.HasValue);
                w.Write(r.FreeFloatShares ?? 0);
                w.Write(r.BookEquity);
                w.Write(r.EarningsTtm);
                w.Write(r.OpCashflowTtm);
                w.Write(r.Growth5y);
                w.Write(r.Leverage);
            }
        }
        return ms.ToArray();
    }

    /// <summary>Decodes <paramref name="count"/> rows; the section's checksum was verified before, so a failure here means a writer bug.</summary>
    public static unsafe DailyReference[] Decode(byte* data, long length, int count, DateOnly date, int weightCount)
    {
        using var stream = new UnmanagedMemoryStream(data, length);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        var rows = new DailyReference[count];
        for (int i = 0; i < count; i++)
        {
            var symbol = new SymbolCode(r.ReadInt32());
            long preClose = r.ReadInt64();
            double adj = r.ReadDouble();
            string industry = r.ReadString();
            long total = r.ReadInt64(), floating = r.ReadInt64();
            bool st = r.ReadBoolean();
            long up = r.ReadInt64(), down = r.ReadInt64();
            var weights = new double[weightCount];
            for (int k = 0; k < weightCount; k++) weights[k] = r.ReadDouble();
            int listDay = r.ReadInt32();
            bool hasFreeFloat = r.ReadBoolean();
            long freeFloat = r.ReadInt64();
            rows[i] = new DailyReference
            {
                Date = date, Symbol = symbol, PreClose = preClose, AdjFactor = adj, Industry = industry,
                TotalShares = total, FloatShares = floating, IsSt = st, LimitUp = up, LimitDown = down, Weights = weights,
                ListDate = listDay == NoListDate ? null : DateOnly.FromDayNumber(listDay),
                FreeFloatShares = hasFreeFloat ? freeFloat : null,
                BookEquity = r.ReadDouble(), EarningsTtm = r.ReadDouble(), OpCashflowTtm = r.ReadDouble(),
                Growth5y = r.ReadDouble(), Leverage = r.ReadDouble(),
            };
        }
        if (stream.Position != length) throw new InvalidDataException($"{length - stream.Position} unread bytes after {count} reference rows");
        return rows;
    }
}
