using System.Text;
using System.Text.Json;
using Sig.Engine.Events;
using Sig.Engine.Nats;
using Sig.Engine.Text;
using Sig.Engine.Time;

namespace Sig.Actors.Live;

/// <summary>
/// Turns md messages (NATS.md: <c>md.ref</c>, <c>md.trade.&lt;sym&gt;</c>, <c>md.order.&lt;sym&gt;</c>,
/// <c>md.clock</c>) into pipeline inputs, refusing what must not be applied: malformed rows
/// (the import's reasons), rows of another date or symbol, duplicate or decreasing seqs, and
/// late rows (their minute already closed by a clock). Each refused row becomes a
/// <see cref="MarketInputKind.Rejected"/> input, so it is journaled and counted like the rest.
/// The decisions depend only on the messages before, so a journal replay sees the same inputs.
/// </summary>
public sealed class MdMessageParser(MarketSubjects subjects)
{
    private readonly Dictionary<int, long> _lastSeq = [];
    private readonly List<TickEvent> _events = [];
    private HashSet<SymbolCode> _universe = [];
    private char[] _chars = new char[1 << 16];
    private bool _opened;
    private int _lastClock;

    /// <summary>The reference rows received, by date (the DailyRollup adjusts the close's bars by them).</summary>
    public Sig.Engine.Daily.ReferenceBook References { get; } = new();

    /// <summary>The session being received (default before the first reference message).</summary>
    public DateOnly Date { get; private set; }

    /// <summary>Minutes closed by the clocks so far today.</summary>
    public int ClosedMinutes => SessionBars.ClosedBarsAt(_lastClock);

    /// <summary>Parses one message; appends its inputs (possibly none) to <paramref name="output"/>.</summary>
    public void Parse(string subject, ReadOnlySpan<byte> data, ulong seq, List<MarketInput> output)
    {
        if (subject == subjects.MdClock) ParseClock(subject, data, seq, output);
        else if (subject == subjects.MdRef) ParseReference(subject, Text(data), seq, output);
        else if (subject.StartsWith(subjects.MdTradePrefix, StringComparison.Ordinal)) ParseRows(subject, subject[subjects.MdTradePrefix.Length..], trades: true, Text(data), seq, output);
        else if (subject.StartsWith(subjects.MdOrderPrefix, StringComparison.Ordinal)) ParseRows(subject, subject[subjects.MdOrderPrefix.Length..], trades: false, Text(data), seq, output);
        else output.Add(Reject(subject, 0, "unknown md subject", seq));
    }

    /// <summary>Brings the parser's state up to date with an input read back from the journal (recovery).</summary>
    public void Observe(MarketInput input)
    {
        switch (input.Kind)
        {
            case MarketInputKind.DayStart:
                if (input.Date != Date) { _lastSeq.Clear(); _lastClock = 0; _opened = false; }
                Date = input.Date;
                _universe = [.. input.Symbols];
                break;
            case MarketInputKind.Ticks:
                _opened = true;
                foreach (var e in input.Events) _lastSeq[e.Symbol] = e.Seq;
                break;
            case MarketInputKind.Clock:
                _opened = true;
                _lastClock = input.Time;
                break;
        }
    }

    private ReadOnlySpan<char> Text(ReadOnlySpan<byte> data)
    {
        if (_chars.Length < data.Length) _chars = new char[Math.Max(data.Length, _chars.Length * 2)];
        int n = Encoding.UTF8.GetChars(data, _chars);
        return _chars.AsSpan(0, n);
    }

    private void ParseRows(string subject, string token, bool trades, ReadOnlySpan<char> text, ulong seq, List<MarketInput> output)
    {
        _events.Clear();
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
                : _lastSeq.TryGetValue(e.Symbol, out long last) && e.Seq <= last ? RejectReason.DuplicateOrDecreasingSeq.Describe()
                : SessionBars.BarOf(e.Time) <= ClosedMinutes ? $"{RejectReason.LateEvent.Describe()}: bar {SessionBars.BarOf(e.Time)}, {ClosedMinutes} closed"
                : null;
            if (why is not null) { output.Add(Reject(subject, line, why, seq)); continue; }
            _lastSeq[e.Symbol] = e.Seq;
            _events.Add(e);
        }
        if (_events.Count == 0) return;
        _opened = true;
        output.Add(MarketInput.Ticks(Date, [.. _events], seq));
    }

    private void ParseReference(string subject, ReadOnlySpan<char> text, ulong seq, List<MarketInput> output)
    {
        int newline = text.IndexOf('\n');
        string header = (newline < 0 ? text : text[..newline]).TrimEnd('\r').ToString();
        var layout = ReferenceLayout.TryParseHeader(header, out string error);
        if (layout is null) { output.Add(Reject(subject, 1, $"{RejectReason.BadHeader.Describe()}: {error}", seq)); return; }
        var rows = new List<(int Line, DailyReference Row)>();
        var body = newline < 0 ? [] : text[(newline + 1)..];
        int line = 1;
        foreach (var range in body.Split('\n'))
        {
            line++;
            var row = body[range].TrimEnd('\r');
            if (row.IsEmpty) continue;
            var reason = layout.TryParseRow(row, out var reference, out string detail);
            if (reason != RejectReason.None) output.Add(Reject(subject, line, detail.Length > 0 ? $"{reason.Describe()}: {detail}" : reason.Describe(), seq));
            else rows.Add((line, reference!));
        }
        if (rows.Count == 0) return;
        var date = rows[0].Row.Date;
        var symbols = new List<SymbolCode>();
        var accepted = new List<DailyReference>();
        foreach (var (at, r) in rows)
        {
            string? why = r.Date != date ? "reference rows of one message must share a date"
                : date < Date ? "reference for a past session"
                : date == Date && _opened ? "reference after the session opened"
                : null;
            if (why is null) { symbols.Add(r.Symbol); accepted.Add(r); }
            else output.Add(Reject(subject, at, why, seq));
        }
        if (symbols.Count == 0) return;
        References.Add(date, accepted, layout.Schema.WeightColumns);
        if (date == Date) symbols.AddRange(_universe); // more reference rows before the open: the universe grows
        var start = MarketInput.DayStart(date, symbols, seq);
        Observe(start);
        output.Add(start);
    }

    private void ParseClock(string subject, ReadOnlySpan<byte> data, ulong seq, List<MarketInput> output)
    {
        if (!TryReadClock(data, out var date, out int time))
        {
            output.Add(Reject(subject, 1, "malformed clock (expected {\"v\":1,\"date\":\"YYYY-MM-DD\",\"time\":HHMMSSmmm})", seq));
            return;
        }
        if (date != Date) { output.Add(Reject(subject, 1, $"clock for {CanonicalRows.FormatDate(date)} outside the session", seq)); return; }
        if (time <= _lastClock) return; // a repeated or older heartbeat says nothing new
        var clock = MarketInput.Clock(date, time, seq);
        Observe(clock);
        output.Add(clock);
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

    private MarketInput Reject(string subject, int line, string reason, ulong seq) =>
        MarketInput.Rejected(Date, new MarketReject(subject, line, reason), seq);
}
