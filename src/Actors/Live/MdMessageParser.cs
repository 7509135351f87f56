using System.Text;
using System.Text.Json;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Nats;
using Sig.Engine.Text;
using Sig.Engine.Time;

namespace Sig.Actors.Live;

/// <summary>
/// Turns md messages (docs/nats.md: <c>md.ref</c>, <c>md.trade.&lt;sym&gt;</c>, <c>md.order.&lt;sym&gt;</c>,
/// <c>md.clock</c>) into pipeline inputs, refusing what must not be applied: malformed rows
/// (the import's reasons), rows of another date or symbol, duplicate or decreasing seqs, seqs
/// that jump beyond <see cref="LiveOptions.MaxSeqJump"/>, late rows (their minute already
/// closed by a clock), clocks that jump beyond <see cref="LiveOptions.MaxClockJumpSeconds"/>,
/// and reference messages for another date while a session is open. All refused rows of one
/// message become one <see cref="MarketInputKind.Rejected"/> input (journaled once, counted by
/// rows), marked suppressed when the subject is over its per-minute publish limit. The
/// decisions depend only on the messages before, so a journal replay sees the same inputs and
/// <see cref="Observe"/> rebuilds the same state and counters from them.
/// </summary>
public sealed partial class MdMessageParser(MarketSubjects subjects, LiveOptions? limits = null, Sig.Factors.Daily.ReferenceBook? references = null)
{
    private readonly LiveOptions _limits = limits ?? new LiveOptions();
    private readonly Dictionary<int, long> _lastSeq = [];
    private readonly List<TickEvent> _events = [];
    private readonly Dictionary<string, RejectWindow> _rejectWindows = [];
    private HashSet<SymbolCode> _universe = [];
    private char[] _chars = new char[1 << 16];
    private bool _opened;
    private int _lastClock;
    private int _lastEventTime;
    private RejectCounters _rejects = new(0, 0, 0, 0);
    private long _windowsMinute = -1;

    /// <summary>
    /// The partitioned md input (null: whole). With it the parser reads the mapped row subjects
    /// <c>md.trade.&lt;sym&gt;.&lt;p&gt;</c> (a partition token that is not the symbol's partition refuses the
    /// message), and the decisions that concern every shard are taken from the control messages
    /// alone, since a shard parses only its partition's rows: a clock jump is measured from the
    /// previous clock (not from the latest event), and the session opens with the first clock (not
    /// the first row). docs/cluster.md, "Partitioned md input".
    /// </summary>
    public MdPartitions? Partitions { get; init; }

    /// <summary>
    /// The reference rows received, by date (the DailyRollup adjusts the close's bars by them). A parser that only
    /// follows another one's inputs (<see cref="Observe"/>) is given that parser's book: observing does not fill it.
    /// </summary>
    public Sig.Factors.Daily.ReferenceBook References { get; } = references ?? new();

    /// <summary>The session being received (default before the first reference message).</summary>
    public DateOnly Date { get; private set; }

    /// <summary>Minutes closed by the clocks so far today.</summary>
    public int ClosedMinutes => SessionBars.ClosedBarsAt(_lastClock);

    /// <summary>Rejects so far (journaled ones included after recovery); safe to read from another thread.</summary>
    public RejectCounters Rejects => Volatile.Read(ref _rejects);

    /// <summary>Parses one message; appends its inputs (possibly none) to <paramref name="output"/>.</summary>
    public void Parse(string subject, ReadOnlySpan<byte> data, ulong seq, List<MarketInput> output)
    {
        if (subject == subjects.MdClock) ParseClock(subject, data, seq, output);
        else if (subject == subjects.MdRef) ParseReference(subject, Text(data), seq, output);
        else if (subject.StartsWith(subjects.MdTradePrefix, StringComparison.Ordinal)) ParseRows(subject, RowToken(subject, subjects.MdTradePrefix.Length, out var wrong), wrong, trades: true, Text(data), seq, output);
        else if (subject.StartsWith(subjects.MdOrderPrefix, StringComparison.Ordinal)) ParseRows(subject, RowToken(subject, subjects.MdOrderPrefix.Length, out var wrong), wrong, trades: false, Text(data), seq, output);
        else output.Add(Reject(new MessageRejects(subject).Add(0, "unknown md subject"), seq));
    }

    /// <summary>Brings the parser's state up to date with an input read back from the journal (recovery).</summary>
    public void Observe(MarketInput input)
    {
        switch (input.Kind)
        {
            case MarketInputKind.DayStart:
                if (input.Date != Date) { _lastSeq.Clear(); _lastClock = 0; _lastEventTime = 0; _opened = false; }
                Date = input.Date;
                _universe = [.. input.Symbols];
                break;
            case MarketInputKind.Ticks:
                if (Partitions is null) _opened = true;
                foreach (var e in input.Events)
                {
                    _lastSeq[e.Symbol] = e.Seq;
                    _lastEventTime = Math.Max(_lastEventTime, e.Time);
                }
                break;
            case MarketInputKind.Clock:
                _opened = true;
                _lastClock = input.Time;
                break;
            case MarketInputKind.Rejected:
                Account(input.Reject!);
                break;
        }
    }

    private ReadOnlySpan<char> Text(ReadOnlySpan<byte> data)
    {
        if (_chars.Length < data.Length) _chars = new char[Math.Max(data.Length, _chars.Length * 2)];
        int n = Encoding.UTF8.GetChars(data, _chars);
        return _chars.AsSpan(0, n);
    }

    /// <summary>
    /// The symbol token of a row subject: the tail after the prefix, less the partition token of a
    /// mapped subject under partitioned input; <paramref name="wrongPartition"/> says why a mapped
    /// subject's partition token is not its symbol's (a subject published as mapped by someone else).
    /// </summary>
    private string RowToken(string subject, int prefixLength, out string? wrongPartition)
    {
        wrongPartition = null;
        var tail = subject.AsSpan(prefixLength);
        if (Partitions is not { } partitions || !MdPartitions.TrySplitMapped(tail, out var token, out int partition)) return tail.ToString();
        int expected = partitions.Of(token);
        if (partition != expected) wrongPartition = $"partition token {partition} is not the symbol's partition {expected} of {partitions.Count}";
        return token.ToString();
    }

    private void ParseRows(string subject, string token, string? wrongPartition, bool trades, ReadOnlySpan<char> text, ulong seq, List<MarketInput> output)
    {
        _events.Clear();
        var rejects = new MessageRejects(subject);
        if (wrongPartition is not null)
        {
            output.Add(Reject(rejects.Add(0, wrongPartition, Math.Max(1, RowCount(text))), seq));
            return;
        }
        var expected = SymbolCode.TryParse(MarketSubjects.SymbolOf(token), out var s) ? s : (SymbolCode?)null;
        int line = 0;
        foreach (var range in text.Split('\n'))
        {
            line++;
            var row = text[range].TrimEnd('\r');
            if (row.IsEmpty) continue;
            var outcome = trades
                ? CanonicalRows.ParseTrade(row, out var date, out var e, out var reason)
                : CanonicalRows.ParseOrder(row, out date, out e, out reason);
            string? why = outcome switch
            {
                RowOutcome.Rejected => reason.Describe(),
                RowOutcome.SkippedAfterHours => "after-hours print (skipped)",
                _ => null,
            };
            why ??= Date == default ? "no reference received for the session yet"
                : date != Date ? $"{RejectReason.BadDate.Describe()}: {CanonicalRows.FormatDate(date)} is not the session {CanonicalRows.FormatDate(Date)}"
                : expected is null || e.Symbol != expected.Value.Value ? $"{RejectReason.BadSymbol.Describe()}: row symbol does not match subject"
                : !_universe.Contains(new SymbolCode(e.Symbol)) ? $"{RejectReason.BadSymbol.Describe()}: not in the session's reference"
                : SeqProblem(e);
            why ??= SessionBars.BarOf(e.Time) <= ClosedMinutes ? $"{RejectReason.LateEvent.Describe()}: bar {SessionBars.BarOf(e.Time)}, {ClosedMinutes} closed" : null;
            if (why is not null) { rejects.Add(line, why); continue; }
            _lastSeq[e.Symbol] = e.Seq;
            _lastEventTime = Math.Max(_lastEventTime, e.Time);
            _events.Add(e);
        }
        if (rejects.Rows > 0) output.Add(Reject(rejects, seq));
        if (_events.Count == 0) return;
        if (Partitions is null) _opened = true;
        output.Add(MarketInput.Ticks(Date, [.. _events], seq));
    }

    /// <summary>Why the row's seq is refused (duplicate, decreasing, or a jump beyond the bound; the high-water mark stays), or null.</summary>
    private string? SeqProblem(in TickEvent e)
    {
        bool seen = _lastSeq.TryGetValue(e.Symbol, out long last);
        if (seen && e.Seq <= last) return RejectReason.DuplicateOrDecreasingSeq.Describe();
        Int128 jump = (Int128)e.Seq - (seen ? last : 0);
        if (_limits.MaxSeqJump > 0 && jump > _limits.MaxSeqJump)
            return $"seq jump: {e.Seq} is {jump} past {(seen ? $"the symbol's last seq {last}" : "0 (the symbol's first row today)")}, over the bound {_limits.MaxSeqJump}";
        return null;
    }

    private void ParseReference(string subject, ReadOnlySpan<char> text, ulong seq, List<MarketInput> output)
    {
        var rejects = new MessageRejects(subject);
        int newline = text.IndexOf('\n');
        string header = (newline < 0 ? text : text[..newline]).TrimEnd('\r').ToString();
        var layout = ReferenceLayout.TryParseHeader(header, out string error);
        if (layout is null) { output.Add(Reject(rejects.Add(1, $"{RejectReason.BadHeader.Describe()}: {error}"), seq)); return; }
        var rows = new List<(int Line, DailyReference Row)>();
        var body = newline < 0 ? [] : text[(newline + 1)..];
        int line = 1;
        foreach (var range in body.Split('\n'))
        {
            line++;
            var row = body[range].TrimEnd('\r');
            if (row.IsEmpty) continue;
            var reason = layout.TryParseRow(row, out var reference, out string detail);
            if (reason != RejectReason.None) rejects.Add(line, detail.Length > 0 ? $"{reason.Describe()}: {detail}" : reason.Describe());
            else rows.Add((line, reference!));
        }
        if (rows.Count == 0)
        {
            if (rejects.Rows > 0) output.Add(Reject(rejects, seq));
            return;
        }
        var date = rows[0].Row.Date;
        // A reference is a new day only once the previous one has closed: one for another date
        // mid-session (a stray or forged message) is refused as a whole, not a day switch.
        string? refused = Date == default ? null
            : date < Date ? $"reference for a past session ({CanonicalRows.FormatDate(date)}; the session is {CanonicalRows.FormatDate(Date)})"
            : date == Date ? (_opened ? "reference after the session opened" : null)
            : ClosedMinutes < SessionBars.BarsPerDay ? $"reference for {CanonicalRows.FormatDate(date)} while the session {CanonicalRows.FormatDate(Date)} is open ({ClosedMinutes} of {SessionBars.BarsPerDay} minutes closed): not a new day"
            : null;
        if (refused is not null)
        {
            output.Add(Reject(new MessageRejects(subject).Add(0, refused, rows.Count + rejects.Rows), seq));
            return;
        }
        var symbols = new List<SymbolCode>();
        var accepted = new List<DailyReference>();
        foreach (var (at, r) in rows)
        {
            if (r.Date == date) { symbols.Add(r.Symbol); accepted.Add(r); }
            else rejects.Add(at, "reference rows of one message must share a date");
        }
        if (rejects.Rows > 0) output.Add(Reject(rejects, seq));
        References.Add(date, accepted, layout.Schema.WeightColumns);
        if (date == Date) symbols.AddRange(_universe); // more reference rows before the open: the universe grows
        var start = MarketInput.DayStart(date, symbols, seq);
        Observe(start);
        output.Add(start);
    }

    private void ParseClock(string subject, ReadOnlySpan<byte> data, ulong seq, List<MarketInput> output)
    {
        var rejects = new MessageRejects(subject);
        if (!TryReadClock(data, out var date, out int time))
        {
            output.Add(Reject(rejects.Add(1, "malformed clock (expected {\"v\":1,\"date\":\"YYYY-MM-DD\",\"time\":HHMMSSmmm})"), seq));
            return;
        }
        if (date != Date) { output.Add(Reject(rejects.Add(1, $"clock for {CanonicalRows.FormatDate(date)} outside the session"), seq)); return; }
        if (time <= _lastClock) return; // a repeated or older heartbeat says nothing new
        if (ClockJump(time) is { } jump) { output.Add(Reject(rejects.Add(1, jump), seq)); return; }
        var clock = MarketInput.Clock(date, time, seq);
        Observe(clock);
        output.Add(clock);
    }

    /// <summary>
    /// Why a clock is refused as a jump, or null. The jump is measured in trading time from the
    /// later of the previous clock and the latest accepted event (a clock the events already
    /// reached is no jump), with the pre-open, the lunch break and the closing call auction
    /// folded away, so the clocks that end them are never jumps.
    /// </summary>
    private string? ClockJump(int time)
    {
        if (_limits.MaxClockJumpSeconds <= 0) return null;
        int from = Partitions is null ? Math.Max(_lastClock, _lastEventTime) : _lastClock;
        long jump = TradingMillis(time) - TradingMillis(from);
        if (jump <= _limits.MaxClockJumpSeconds * 1000L) return null;
        return $"clock jump: {ExchangeTime.Format(time)} is {jump / 1000.0:0.###} s of trading time past {(from == 0 ? "the open" : ExchangeTime.Format(from))}, over the bound of {_limits.MaxClockJumpSeconds} s";
    }

    /// <summary>Milliseconds of continuous trading before <paramref name="time"/>: 0 up to 09:30, the lunch break and 14:57–close folded.</summary>
    private static long TradingMillis(int time)
    {
        int t = ExchangeTime.ToMillis(time);
        int open = ExchangeTime.ToMillis(ExchangeTime.ContinuousOpen), noon = ExchangeTime.ToMillis(ExchangeTime.MorningClose);
        int afternoon = ExchangeTime.ToMillis(ExchangeTime.AfternoonOpen), auction = ExchangeTime.ToMillis(ExchangeTime.CloseAuctionStart);
        if (t <= open) return 0;
        if (t <= noon) return t - open;
        if (t <= afternoon) return noon - open;
        return noon - open + Math.Min(t, auction) - afternoon;
    }

    private static bool TryReadClock(ReadOnlySpan<byte> data, out DateOnly date, out int time)
    {
        date = default; time = 0;
        int v = 0;
        bool hasDate = false, hasTime = false;
        try
        {
            var r = new Utf8JsonReader(data);
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                string name = r.GetString()!;
                if (!r.Read()) return false;
                switch (name)
                {
                    case "v": v = r.GetInt32(); break;
                    case "date": hasDate = CanonicalRows.TryDate(r.GetString(), out date); break;
                    case "time": hasTime = r.TryGetInt32(out time) && ExchangeTime.IsValid(time); break;
                    default: r.Skip(); break;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
        return v == 1 && hasDate && hasTime;
    }

    private static int RowCount(ReadOnlySpan<char> text)
    {
        int rows = 0;
        foreach (var range in text.Split('\n'))
            if (!text[range].TrimEnd('\r').IsEmpty) rows++;
        return rows;
    }

    /// <summary>The message's refused rows as one reject input, with the rate limit's decision; accounted at once.</summary>
    private MarketInput Reject(MessageRejects rejects, ulong seq)
    {
        var window = Window(rejects.Subject);
        bool suppressed = _limits.RejectsPerSubjectPerMinute > 0 && window.Published >= _limits.RejectsPerSubjectPerMinute;
        var reject = new MarketReject(rejects.Subject, rejects.FirstLine, rejects.FirstReason!)
        {
            Rows = rejects.Rows,
            Suppressed = suppressed,
            SuppressedBefore = suppressed ? 0 : window.Pending,
        };
        Account(reject);
        return MarketInput.Rejected(Date, reject, seq);
    }

    /// <summary>Counts a reject and moves its subject's rate window (the same for a new reject and one read back from the journal).</summary>
    private void Account(MarketReject reject)
    {
        var window = Window(reject.Subject);
        if (reject.Suppressed) window.Pending++;
        else { window.Published++; window.Pending = 0; }
        var c = _rejects;
        Volatile.Write(ref _rejects, new RejectCounters(c.Messages + 1, c.Rows + reject.Rows,
            c.Published + (reject.Suppressed ? 0 : 1), c.Suppressed + (reject.Suppressed ? 1 : 0)));
    }

    /// <summary>The subject's window of the current exchange minute (a new minute starts a fresh count; the suppressed count carries over until reported).</summary>
    private RejectWindow Window(string subject)
    {
        long minute = (long)Date.DayNumber * 1000 + ClosedMinutes;
        if (minute != _windowsMinute)
        {
            // Windows with nothing left to report go when the minute changes, so forged subjects cannot grow the table all day.
            var stale = new List<string>();
            foreach (var (name, w) in _rejectWindows)
                if (w.Pending == 0) stale.Add(name);
            foreach (var name in stale) _rejectWindows.Remove(name);
            _windowsMinute = minute;
        }
        if (!_rejectWindows.TryGetValue(subject, out var window)) _rejectWindows[subject] = window = new RejectWindow { Minute = minute };
        if (window.Minute != minute) { window.Minute = minute; window.Published = 0; }
        return window;
    }

    private sealed class RejectWindow
    {
        public long Minute;
        public int Published;
        public long Pending;
    }

    /// <summary>The refused rows of one message, gathered into one reject.</summary>
    private sealed class MessageRejects(string subject)
    {
        public string Subject { get; } = subject;
        public int Rows { get; private set; }
        public int FirstLine { get; private set; }
        public string? FirstReason { get; private set; }

        public MessageRejects Add(int line, string reason, int rows = 1)
        {
            if (Rows == 0) { FirstLine = line; FirstReason = reason; }
            Rows += rows;
            return this;
        }
    }
}

/// <summary>Rejects of a live run: journaled reject inputs (one per refused message), the rows they refused, and how many were published on sig.engine.rejects or suppressed by the per-subject rate limit.</summary>
public sealed record RejectCounters(long Messages, long Rows, long Published, long Suppressed);
