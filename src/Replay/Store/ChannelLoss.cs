using System.Buffers.Binary;
using System.Text;

namespace Sig.Replay.Store;

/// <summary>A run of sequence numbers that never arrived: <see cref="First"/>..<see cref="Last"/> inclusive.</summary>
public readonly record struct SeqRange(long First, long Last)
{
    public long Count => Last - First + 1;
    public override string ToString() => First == Last ? $"{First}" : $"{First}-{Last}";
}

/// <summary>
/// What one exchange channel's sequence showed on a day: messages lost (gaps between the first and
/// the last number received, with the missing ranges), duplicates dropped, and fills that refer
/// to an order the channel lost (or, on SSE, an order that was never published).
/// </summary>
/// <param name="Exchange">"SZ" or "SH".</param>
/// <param name="Stream">Which counter: "ApplSeqNum" (SZSE orders and trades), "OrderIndex", "TradeIndex" (SSE separate files) or "BizIndex" (SSE merged stream).</param>
/// <param name="Channel">The exchange's channel number.</param>
/// <param name="Received">Distinct sequence numbers received.</param>
/// <param name="Lost">Numbers missing between the first and the last received.</param>
/// <param name="Missing">The missing ranges, ascending.</param>
/// <param name="Duplicates">Messages received twice (the later copy dropped).</param>
/// <param name="FillsOnLostOrders">Fills that refer to an order lost on this channel.</param>
public sealed record ChannelLoss(string Exchange, string Stream, int Channel, long Received, long Lost, IReadOnlyList<SeqRange> Missing,
    long Duplicates, long FillsOnLostOrders)
{
    /// <summary>A day writer that can also store the day's channel losses (an optional section of the tick day file).</summary>
    public interface IWriter
    {
        /// <summary>Sets the losses stored with the day (before <see cref="Sig.Engine.Events.IDayWriter.Commit"/>).</summary>
        void SetChannelLosses(IReadOnlyList<ChannelLoss> losses);
    }
}

/// <summary>Binary form of the channel-loss section: count, then per channel its fields and ranges (little-endian).</summary>
internal static class ChannelLossCodec
{
    public static byte[] Encode(IReadOnlyList<ChannelLoss> losses)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms, Encoding.UTF8);
        w.Write(losses.Count);
        foreach (var l in losses)
        {
            w.Write(l.Exchange); w.Write(l.Stream); w.Write(l.Channel);
            w.Write(l.Received); w.Write(l.Lost); w.Write(l.Duplicates); w.Write(l.FillsOnLostOrders);
            w.Write(l.Missing.Count);
            foreach (var r in l.Missing) { w.Write(r.First); w.Write(r.Last); }
        }
        w.Flush();
        return ms.ToArray();
    }

    /// <summary>Decodes a section; throws <see cref="InvalidDataException"/> when it does not decode exactly.</summary>
    public static IReadOnlyList<ChannelLoss> Decode(ReadOnlySpan<byte> bytes)
    {
        using var ms = new MemoryStream(bytes.ToArray(), writable: false);
        using var r = new BinaryReader(ms, Encoding.UTF8);
        try
        {
            int n = r.ReadInt32();
            if (n < 0 || n > bytes.Length) throw new InvalidDataException($"channel-loss count {n}");
            var list = new List<ChannelLoss>(n);
            for (int i = 0; i < n; i++)
            {
                string exchange = r.ReadString(), stream = r.ReadString();
                int channel = r.ReadInt32();
                long received = r.ReadInt64(), lost = r.ReadInt64(), dups = r.ReadInt64(), fills = r.ReadInt64();
                int ranges = r.ReadInt32();
                if (ranges < 0 || (long)ranges * 16 > ms.Length - ms.Position) throw new InvalidDataException($"channel-loss range count {ranges}");
                var missing = new SeqRange[ranges];
                for (int k = 0; k < ranges; k++) missing[k] = new SeqRange(r.ReadInt64(), r.ReadInt64());
                list.Add(new ChannelLoss(exchange, stream, channel, received, lost, missing, dups, fills));
            }
            if (ms.Position != ms.Length) throw new InvalidDataException("trailing bytes after the channel losses");
            return list;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("channel-loss section ends early", ex);
        }
    }
}
