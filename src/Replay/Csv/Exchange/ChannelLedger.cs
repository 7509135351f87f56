using Sig.Replay.Store;

namespace Sig.Replay.Csv.Exchange;

/// <summary>
/// Per-channel sequence accounting of one import: which numbers of each (day, counter, channel)
/// arrived, the gaps between the first and the last (lost messages — a gap inside one symbol's
/// numbers is normal, a gap inside a channel is not), duplicates, and fills on lost orders.
/// Numbers before the first or after the last received one cannot be told apart from a channel
/// that simply started or ended there, so they are not counted.
/// </summary>
internal sealed class ChannelLedger
{
    private readonly SortedDictionary<(int Day, SeqStream Stream, int Channel), Stats> _stats = new();

    /// <summary>Mutable counts of one channel.</summary>
    internal sealed class Stats
    {
        public long Received, Lost, Duplicates, FillsOnLostOrders;
        public readonly List<SeqRange> Missing = [];

        /// <summary>True when <paramref name="seq"/> lies in a missing range.</summary>
        public bool IsMissing(long seq)
        {
            int lo = 0, hi = Missing.Count - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                if (seq < Missing[mid].First) hi = mid - 1;
                else if (seq > Missing[mid].Last) lo = mid + 1;
                else return true;
            }
            return false;
        }
    }

    /// <summary>Counts gaps over the rows' stream numbers; counters in <paramref name="skip"/> are not checked (their streams are incomplete by construction).</summary>
    public void CountGaps(ReadOnlySpan<ExchangeRow> rows, Func<SeqStream, bool> skip)
    {
        var keys = new StreamKey[rows.Length];
        int n = 0;
        foreach (ref readonly var r in rows)
            if (r.Keyed && !skip(r.Stream)) keys[n++] = new StreamKey(r.Day, r.Stream, r.Channel, r.StreamSeq);
        var span = keys.AsSpan(0, n);
        span.Sort(new StreamKeyOrder());
        Stats s = null!;
        for (int i = 0; i < span.Length; i++)
        {
            var (day, stream, channel, seq) = span[i];
            bool sameGroup = i > 0 && span[i - 1].Day == day && span[i - 1].Stream == stream && span[i - 1].Channel == channel;
            if (!sameGroup) s = Get(day, stream, channel);
            if (sameGroup && span[i - 1].Seq == seq) continue; // a duplicate: counted where it is dropped
            s!.Received++;
            if (sameGroup && seq - span[i - 1].Seq > 1)
            {
                s.Missing.Add(new SeqRange(span[i - 1].Seq + 1, seq - 1));
                s.Lost += seq - span[i - 1].Seq - 1;
            }
        }
    }

    private readonly record struct StreamKey(int Day, SeqStream Stream, int Channel, long Seq);

    private readonly struct StreamKeyOrder : IComparer<StreamKey>
    {
        public int Compare(StreamKey a, StreamKey b)
        {
            int c = a.Day.CompareTo(b.Day);
            if (c == 0) c = ((byte)a.Stream).CompareTo((byte)b.Stream);
            if (c == 0) c = a.Channel.CompareTo(b.Channel);
            return c != 0 ? c : a.Seq.CompareTo(b.Seq);
        }
    }

    public Stats Get(int day, SeqStream stream, int channel)
    {
        if (!_stats.TryGetValue((day, stream, channel), out var s)) _stats[(day, stream, channel)] = s = new Stats();
        return s;
    }

    public Stats? Find(int day, SeqStream stream, int channel) => _stats.GetValueOrDefault((day, stream, channel));

    /// <summary>Channels of a day that lost, duplicated or referred to lost messages, by counter then channel.</summary>
    public IReadOnlyList<ChannelLoss> LossesOn(int day) =>
        [.. _stats.Where(kv => kv.Key.Day == day && (kv.Value.Lost > 0 || kv.Value.Duplicates > 0 || kv.Value.FillsOnLostOrders > 0))
            .Select(kv => new ChannelLoss(kv.Key.Stream == SeqStream.SzseApplSeqNum ? "SZ" : "SH", Name(kv.Key.Stream), kv.Key.Channel,
                kv.Value.Received, kv.Value.Lost, [.. kv.Value.Missing], kv.Value.Duplicates, kv.Value.FillsOnLostOrders))];

    /// <summary>Days with any channel entry, ascending.</summary>
    public IEnumerable<int> Days => _stats.Keys.Select(k => k.Day).Distinct();

    public static string Name(SeqStream stream) => stream switch
    {
        SeqStream.SzseApplSeqNum => "ApplSeqNum",
        SeqStream.SseOrderIndex => "OrderIndex",
        SeqStream.SseTradeIndex => "TradeIndex",
        _ => "BizIndex",
    };
}
