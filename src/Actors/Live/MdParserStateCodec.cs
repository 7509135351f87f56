using System.Text;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Nats;
using Sig.Engine.Persistence;

namespace Sig.Actors.Live;

/// <summary>
/// The md parser's state in bytes: everything its future decisions and outputs depend on, so a
/// parser read back from them accepts and refuses the rest of the day exactly as the parser it was
/// written from (a cluster shard restored from its cut without the journal that built the parser).
/// Written in a fixed order (sets and tables sorted, never in hash order), so equal states are
/// equal bytes. Layout: docs/cluster.md ("The md parser's state").
/// </summary>
public static class MdParserStateCodec
{
    /// <summary>Format version of the body.</summary>
    public const ushort Version = 1;

    /// <summary>The framed state of <paramref name="parser"/>.</summary>
    public static byte[] Encode(MdMessageParser parser) =>
        SnapshotEnvelope.Frame(SnapshotKind.MdParser, Version, new SnapshotWriter(), parser.WriteState);

    /// <summary>
    /// A parser in the state <paramref name="bytes"/> hold, for <paramref name="subjects"/> and <paramref name="limits"/>
    /// (they must be the ones the state was written with: the decisions depend on them), its reference rows added to
    /// <paramref name="references"/> when given (a follower sharing another parser's book), else to a book of its own;
    /// <paramref name="partitions"/>: the partitioned md input it parses (not in the state: a cluster cut's fingerprint
    /// names the input mode, so a cut is never restored under another one).
    /// <see cref="InvalidDataException"/> with the reason when the bytes are corrupt, foreign or of other settings.
    /// </summary>
    public static MdMessageParser Decode(ReadOnlyMemory<byte> bytes, MarketSubjects subjects, LiveOptions? limits = null, Sig.Factors.Daily.ReferenceBook? references = null,
        MdPartitions? partitions = null)
    {
        var r = new SnapshotReader(SnapshotEnvelope.Unwrap(bytes, SnapshotKind.MdParser, Version));
        try
        {
            var parser = MdMessageParser.ReadState(r, subjects, limits ?? new LiveOptions(), references, partitions);
            if (r.Remaining != 0) throw new InvalidDataException("trailing bytes");
            return parser;
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentOutOfRangeException or FormatException or OverflowException or DecoderFallbackException)
        {
            throw new InvalidDataException($"truncated or malformed md parser state ({e.Message})", e);
        }
    }

    internal static void WriteString(SnapshotWriter w, string value)
    {
        int n = Encoding.UTF8.GetByteCount(value);
        w.WriteVar(n);
        Encoding.UTF8.GetBytes(value, w.Reserve(n));
    }

    internal static string ReadString(SnapshotReader r, string what) =>
        new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(r.Take(r.ReadCount(1 << 20, what)));

    internal static void WriteReference(SnapshotWriter w, DailyReference row)
    {
        w.Write(row.Date.DayNumber); w.Write(row.Symbol.Value); w.Write(row.PreClose); w.Write(row.AdjFactor);
        WriteString(w, row.Industry);
        w.Write(row.TotalShares); w.Write(row.FloatShares); w.Write(row.IsSt); w.Write(row.LimitUp); w.Write(row.LimitDown);
        w.WriteVar(row.Weights.Length);
        foreach (double x in row.Weights) w.Write(x);
        w.Write(row.ListDate.HasValue); w.Write(row.ListDate?.DayNumber ?? 0);
        w.Write(row.FreeFloatShares.HasValue); w.Write(row.FreeFloatShares ?? 0);
        w.Write(row.BookEquity); w.Write(row.EarningsTtm); w.Write(row.OpCashflowTtm); w.Write(row.Growth5y); w.Write(row.Leverage);
    }

    internal static DailyReference ReadReference(SnapshotReader r)
    {
        var date = DateOnly.FromDayNumber(r.ReadInt32());
        var symbol = new SymbolCode(r.ReadInt32());
        long preClose = r.ReadInt64();
        double adjFactor = r.ReadDouble();
        string industry = ReadString(r, "industry");
        long total = r.ReadInt64(), floating = r.ReadInt64();
        bool st = r.ReadBoolean();
        long up = r.ReadInt64(), down = r.ReadInt64();
        var weights = new double[r.ReadCount(1 << 10, "index weights")];
        for (int i = 0; i < weights.Length; i++) weights[i] = r.ReadDouble();
        bool listed = r.ReadBoolean();
        int listDate = r.ReadInt32();
        bool hasFree = r.ReadBoolean();
        long free = r.ReadInt64();
        return new DailyReference
        {
            Date = date, Symbol = symbol, PreClose = preClose, AdjFactor = adjFactor, Industry = industry, TotalShares = total,
            FloatShares = floating, IsSt = st, LimitUp = up, LimitDown = down, Weights = weights,
            ListDate = listed ? DateOnly.FromDayNumber(listDate) : null, FreeFloatShares = hasFree ? free : null,
            BookEquity = r.ReadDouble(), EarningsTtm = r.ReadDouble(), OpCashflowTtm = r.ReadDouble(), Growth5y = r.ReadDouble(), Leverage = r.ReadDouble(),
        };
    }
}

/// <summary>The parser's state codec (<see cref="MdParserStateCodec"/>): the fields it reads and writes.</summary>
public sealed partial class MdMessageParser
{
    /// <summary>The session's universe, ascending (empty before the first reference).</summary>
    public SymbolCode[] Universe => [.. _universe.Order()];

    /// <summary>
    /// Writes the state: the settings it was built with (checked on read), the session, the clock
    /// and event-time marks, the reject counters and windows, the universe, each symbol's last seq,
    /// and the session's reference rows (earlier days are never asked for again).
    /// </summary>
    internal void WriteState(SnapshotWriter w)
    {
        MdParserStateCodec.WriteString(w, subjects.Prefix);
        w.WriteVar(_limits.MaxSeqJump); w.WriteVar(_limits.MaxClockJumpSeconds); w.WriteVar(_limits.RejectsPerSubjectPerMinute);
        w.Write(Date.DayNumber);
        w.Write(_opened);
        w.WriteVar(_lastClock); w.WriteVar(_lastEventTime);
        var c = _rejects;
        w.WriteVar(c.Messages); w.WriteVar(c.Rows); w.WriteVar(c.Published); w.WriteVar(c.Suppressed);
        w.WriteVar(_windowsMinute);
        var windows = _rejectWindows.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        w.WriteVar(windows.Count);
        foreach (var (subject, window) in windows)
        {
            MdParserStateCodec.WriteString(w, subject);
            w.WriteVar(window.Minute); w.WriteVar(window.Published); w.WriteVar(window.Pending);
        }
        var universe = Universe;
        w.WriteVar(universe.Length);
        int previous = 0;
        foreach (var s in universe)
        {
            w.WriteVar(s.Value - (long)previous);
            previous = s.Value;
        }
        var seqs = _lastSeq.OrderBy(kv => kv.Key).ToList();
        w.WriteVar(seqs.Count);
        previous = 0;
        foreach (var (symbol, seq) in seqs)
        {
            w.WriteVar(symbol - (long)previous);
            w.WriteVar(seq);
            previous = symbol;
        }
        var reference = Date == default ? null : References.ReferenceOf(Date);
        w.Write(reference is not null);
        if (reference is null) return;
        w.WriteVar(reference.WeightColumns.Count);
        foreach (string column in reference.WeightColumns) MdParserStateCodec.WriteString(w, column);
        w.WriteVar(reference.Rows.Count);
        foreach (var row in reference.Rows) MdParserStateCodec.WriteReference(w, row);
    }

    internal static MdMessageParser ReadState(SnapshotReader r, MarketSubjects subjects, LiveOptions limits, Sig.Factors.Daily.ReferenceBook? references, MdPartitions? partitions)
    {
        string prefix = MdParserStateCodec.ReadString(r, "subject prefix");
        long maxSeqJump = r.ReadVar(), maxClockJump = r.ReadVar(), rejectsPerMinute = r.ReadVar();
        if (prefix != subjects.Prefix || maxSeqJump != limits.MaxSeqJump || maxClockJump != limits.MaxClockJumpSeconds || rejectsPerMinute != limits.RejectsPerSubjectPerMinute)
            throw new InvalidDataException($"md parser state of prefix {prefix}, seq jump {maxSeqJump}, clock jump {maxClockJump} s, {rejectsPerMinute} rejects/subject/minute; "
                + $"this node runs prefix {subjects.Prefix}, {limits.MaxSeqJump}, {limits.MaxClockJumpSeconds} s, {limits.RejectsPerSubjectPerMinute}");
        var parser = new MdMessageParser(subjects, limits, references)
        {
            Partitions = partitions,
            Date = DateOnly.FromDayNumber(r.ReadInt32()),
        };
        parser._opened = r.ReadBoolean();
        parser._lastClock = checked((int)r.ReadVar());
        parser._lastEventTime = checked((int)r.ReadVar());
        parser._rejects = new RejectCounters(r.ReadVar(), r.ReadVar(), r.ReadVar(), r.ReadVar());
        parser._windowsMinute = r.ReadVar();
        int windows = r.ReadCount(1 << 24, "reject windows");
        for (int i = 0; i < windows; i++)
        {
            string subject = MdParserStateCodec.ReadString(r, "reject window subject");
            parser._rejectWindows[subject] = new RejectWindow { Minute = r.ReadVar(), Published = checked((int)r.ReadVar()), Pending = r.ReadVar() };
        }
        int symbols = r.ReadCount(1 << 24, "universe");
        long previous = 0;
        for (int i = 0; i < symbols; i++) parser._universe.Add(new SymbolCode(checked((int)(previous += r.ReadVar()))));
        int seqs = r.ReadCount(1 << 24, "symbol seqs");
        previous = 0;
        for (int i = 0; i < seqs; i++) parser._lastSeq[checked((int)(previous += r.ReadVar()))] = r.ReadVar();
        if (!r.ReadBoolean()) return parser;
        var columns = new string[r.ReadCount(1 << 10, "weight columns")];
        for (int i = 0; i < columns.Length; i++) columns[i] = MdParserStateCodec.ReadString(r, "weight column");
        var rows = new DailyReference[r.ReadCount(1 << 24, "reference rows")];
        for (int i = 0; i < rows.Length; i++) rows[i] = MdParserStateCodec.ReadReference(r);
        if (rows.Any(row => row.Date != parser.Date)) throw new InvalidDataException($"reference rows of another date than the session {parser.Date:yyyy-MM-dd}");
        parser.References.Add(parser.Date, rows, columns);
        return parser;
    }
}
