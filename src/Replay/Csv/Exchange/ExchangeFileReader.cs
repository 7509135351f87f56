using Sig.Engine.Events;
using Sig.Engine.Text;

namespace Sig.Replay.Csv.Exchange;

/// <summary>Which sequence counter a row's <see cref="ExchangeRow.StreamSeq"/> belongs to (gaps are counted per counter and channel).</summary>
internal enum SeqStream : byte
{
    SzseApplSeqNum,
    SseOrderIndex,
    SseTradeIndex,
    SseBizIndex,
}

/// <summary>An after-hours print of exchange file <paramref name="file"/> (0-based), kept for the skip counts and, if its symbol-day has no reference row, its reject.</summary>
internal delegate void SkippedPrint(int day, int symbol, int file, long line, ReadOnlySpan<char> text);

/// <summary>
/// One vendor row after reading: its canonical event (when it is one), the channel sequence
/// numbers that order and deduplicate it, and where it came from. <see cref="Raw"/>: 'O' SZSE
/// order, 'T' trade (fill or SZSE cancel), 'A'/'D' SSE add/delete, 'S' SSE status row, 'X' a row
/// that was rejected or skipped (it still arrived, so it counts for loss detection).
/// </summary>
internal struct ExchangeRow
{
    public TickEvent Event;
    public long Seq;
    public long StreamSeq;
    public int Day;
    public int Channel;
    public int Line;
    public byte Source;
    public SeqStream Stream;
    public byte Raw;
    /// <summary>Channel and sequence parsed: the row arrived on a known channel position.</summary>
    public bool Keyed;

    public readonly bool IsSh => Stream != SeqStream.SzseApplSeqNum;
}

/// <summary>
/// Reads one vendor file: maps its header, then turns every row into a canonical trade or order
/// row (text) and parses that with <see cref="CanonicalRows"/>, so exchange rows pass exactly the
/// checks canonical rows do. Row-local exchange rules are applied here (SZSE aggressor by
/// ApplSeqNum, ExecType 4 cancels, side and type codes); stream rules (SSE order
/// reconstruction, duplicates, losses) run later on the whole set.
/// </summary>
internal sealed class ExchangeFileReader
{
    private const int AuctionOpenPrint = 92500000, AuctionClosePrint = 150000000;
    private readonly ExchangeLayout _layout;
    private readonly FileImportReport _report;
    private readonly byte _source;
    private readonly int? _defaultDay;
    private readonly string _exchange;
    private char[] _line = new char[256];
    private int _at;
    private int _cachedDay = int.MinValue;
    private string _cachedDate = "";

    public ExchangeFileReader(ExchangeLayout layout, FileImportReport report, byte source, DateOnly? defaultDate)
    {
        _layout = layout; _report = report; _source = source;
        _defaultDay = defaultDate?.DayNumber;
        _exchange = ExchangeLayouts.Exchange(layout);
    }

    /// <summary>Appends the file's rows to <paramref name="rows"/>; after-hours prints go to <paramref name="skipped"/>.</summary>
    public void Read(CsvLineReader reader, IReadOnlyDictionary<string, string> renames, ExchangeRowBuffer rows, SkippedPrint skipped)
    {
        if (!reader.TryReadLine(out var header))
        {
            Fatal("line 1: empty file, no header", header);
            return;
        }
        var map = ColumnMap.TryParse(_layout, header, renames, out string error);
        if (map is null)
        {
            Fatal($"line 1: {error}", header);
            return;
        }
        Span<Range> cols = stackalloc Range[map.Width + 1];
        while (reader.TryReadLine(out var line))
        {
            long n = reader.LineNumber;
            if (n > int.MaxValue) throw new InvalidDataException($"more than {int.MaxValue} lines; split the file by date");
            if (line.IsEmpty) continue;
            _report.Rows++;
            if (line.Split(cols, ',') != map.Width) { Reject(n, RejectReason.WrongColumnCount, line); continue; }
            var row = new ExchangeRow { Line = (int)n, Source = _source, Raw = (byte)'X', Day = -1 };
            var reason = Translate(line, cols, map, ref row);
            if (reason == RejectReason.None && row.Raw == (byte)'S') { rows.Add(row); continue; }
            if (reason == RejectReason.None)
            {
                var text = _line.AsSpan(0, _at);
                byte raw = row.Raw;
                var outcome = raw is (byte)'T'
                    ? CanonicalRows.ParseTrade(text, out _, out row.Event, out reason)
                    : CanonicalRows.ParseOrder(text, out _, out row.Event, out reason);
                if (outcome == RowOutcome.SkippedAfterHours)
                {
                    _report.SkippedAfterHours++;
                    skipped(row.Day, row.Event.Symbol, _source, n, line);
                    row.Raw = (byte)'X';
                    row.Event = default;
                }
                else if (outcome == RowOutcome.Rejected) { Reject(n, reason, line); row.Raw = (byte)'X'; row.Event = default; }
                rows.Add(row);
            }
            else
            {
                Reject(n, reason, line);
                if (row.Keyed && row.Day >= 0) { row.Raw = (byte)'X'; row.Event = default; rows.Add(row); } // it arrived: it is no loss
            }
        }
    }

    private void Fatal(string what, ReadOnlySpan<char> text)
    {
        _report.FatalError = $"{_report.Path} {what}";
        _report.Reject(1, RejectReason.BadHeader, _report.FatalError, text);
    }

    private void Reject(long line, RejectReason reason, ReadOnlySpan<char> text) => _report.Reject(line, reason, reason.Describe(), text);

    /// <summary>Fills the row's keys and writes its canonical text into the line buffer.</summary>
    private RejectReason Translate(ReadOnlySpan<char> line, Span<Range> cols, ColumnMap map, ref ExchangeRow row)
    {
        var F = new Fields(line, cols, map);
        _at = 0;
        switch (_layout)
        {
            case ExchangeLayout.SzseOrders:
            {
                // ChannelNo, ApplSeqNum, SecurityID, Price, OrderQty, Side, TransactTime, OrdType
                if (!Keys(F[0], F[1], F[1], SeqStream.SzseApplSeqNum, ref row)) return RejectReason.UnparsableNumber;
                var reason = Head(line, cols, map, F[2], F[6], ref row);
                if (reason != RejectReason.None) return reason;
                Put(F[1]); Put(','); Put(F[1]); Put(',');
                Put(F[5] switch { "1" or "B" or "b" => "B", "2" or "S" or "s" => "S", var s => s }); Put(',');
                Put(F[3]); Put(','); Put(F[4]); Put(',');
                Put(F[7] switch { "1" => "M", "2" => "L", "U" or "u" => "U", var t => t.IsEmpty ? "?" : t });
                row.Raw = (byte)'O';
                return RejectReason.None;
            }
            case ExchangeLayout.SzseTrades:
            {
                // ChannelNo, ApplSeqNum, BidApplSeqNum, OfferApplSeqNum, SecurityID, LastPx, LastQty, ExecType, TransactTime
                if (!Keys(F[0], F[1], F[1], SeqStream.SzseApplSeqNum, ref row)) return RejectReason.UnparsableNumber;
                var reason = Head(line, cols, map, F[4], F[8], ref row);
                if (reason != RejectReason.None) return reason;
                if (!CanonicalRows.TryLong(F[2], out long bid) || !CanonicalRows.TryLong(F[3], out long offer)) return RejectReason.UnparsableNumber;
                var exec = F[7];
                bool cancel = exec is "4";
                if (!cancel && exec is not ("F" or "f")) return RejectReason.UnknownType;
                int time = row.Event.Time;
                // No aggressor field: the later order (larger ApplSeqNum) took liquidity; auction prints have none.
                string side = cancel || time is AuctionOpenPrint or AuctionClosePrint ? "N" : bid > offer ? "B" : "S";
                Put(F[1]); Put(','); Put(F[5]); Put(','); Put(F[6]); Put(',');
                Put(F[2]); Put(','); Put(F[3]); Put(','); Put(side); Put(','); Put(cancel ? "C" : "F");
                row.Raw = (byte)'T';
                return RejectReason.None;
            }
            case ExchangeLayout.SseOrders:
            {
                // OrderIndex, OrderChannel, SecurityID, OrderTime, OrderType, OrderNO, OrderPrice, Balance, OrderBSFlag, BizIndex
                if (!Keys(F[1], F[9], F[0], SeqStream.SseOrderIndex, ref row)) return RejectReason.UnparsableNumber;
                var reason = Head(line, cols, map, F[2], F[3], ref row);
                if (reason != RejectReason.None) return reason;
                return SseOrder(F[4], F[5], F[8], F[6], F[7], ref row);
            }
            case ExchangeLayout.SseTrades:
            {
                // TradeIndex, TradeChannel, SecurityID, TradeTime, TradePrice, TradeQty, TradeMoney, TradeBuyNo, TradeSellNo, TradeBSFlag, BizIndex
                if (!Keys(F[1], F[10], F[0], SeqStream.SseTradeIndex, ref row)) return RejectReason.UnparsableNumber;
                var reason = Head(line, cols, map, F[2], F[3], ref row);
                if (reason != RejectReason.None) return reason;
                SseTrade(F[4], F[5], F[7], F[8], F[9], ref row);
                return RejectReason.None;
            }
            default:
            {
                // BizIndex, Channel, SecurityID, TickTime, Type, BuyOrderNO, SellOrderNO, Price, Qty, TradeMoney, TickBSFlag
                if (!Keys(F[1], F[0], F[0], SeqStream.SseBizIndex, ref row)) return RejectReason.UnparsableNumber;
                var type = F[4];
                if (type is "S" or "s")
                {
                    if (!TryDay(line, cols, map, F[3], out row.Day, out _)) return RejectReason.BadDate;
                    row.Raw = (byte)'S';
                    return RejectReason.None;
                }
                var reason = Head(line, cols, map, F[2], F[3], ref row);
                if (reason != RejectReason.None) return reason;
                if (type is "T" or "t") { SseTrade(F[7], F[8], F[5], F[6], F[10], ref row); return RejectReason.None; }
                var flag = F[10];
                return SseOrder(type, flag is "S" or "s" ? F[6] : F[5], flag, F[7], F[8], ref row);
            }
        }
    }

    private RejectReason SseOrder(ReadOnlySpan<char> type, ReadOnlySpan<char> orderNo, ReadOnlySpan<char> flag, ReadOnlySpan<char> price,
        ReadOnlySpan<char> balance, ref ExchangeRow row)
    {
        bool add = type is "A" or "a";
        if (!add && type is not ("D" or "d")) return RejectReason.UnknownType;
        Put(','); Put(orderNo); Put(',');
        Put(flag is "b" ? "B" : flag is "s" ? "S" : flag); Put(',');
        Put(price); Put(','); Put(balance); Put(',');
        // Every SSE order that rests is a limit order as far as the stream shows (see the layout documentation).
        Put(add ? "L" : "D");
        row.Raw = add ? (byte)'A' : (byte)'D';
        return RejectReason.None;
    }

    private void SseTrade(ReadOnlySpan<char> price, ReadOnlySpan<char> qty, ReadOnlySpan<char> buyNo, ReadOnlySpan<char> sellNo, ReadOnlySpan<char> flag, ref ExchangeRow row)
    {
        Put(','); Put(price); Put(','); Put(qty); Put(','); Put(buyNo); Put(','); Put(sellNo); Put(',');
        Put(flag is "b" ? "B" : flag is "s" ? "S" : flag is "n" ? "N" : flag); Put(",F");
        row.Raw = (byte)'T';
    }

    /// <summary>Channel, sequence (ApplSeqNum/BizIndex) and the gap-counting sequence of the row's stream.</summary>
    private static bool Keys(ReadOnlySpan<char> channel, ReadOnlySpan<char> seq, ReadOnlySpan<char> streamSeq, SeqStream stream, ref ExchangeRow row)
    {
        row.Stream = stream;
        if (!int.TryParse(channel, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out row.Channel)
            || !CanonicalRows.TryLong(seq, out row.Seq) || row.Seq < 0
            || !CanonicalRows.TryLong(streamSeq, out row.StreamSeq) || row.StreamSeq < 0)
        {
            return false;
        }
        row.Keyed = true;
        return true;
    }

    /// <summary>Writes "date,symbol,time," (SSE rows continue with ",seq" written by the caller) and sets the row's day.</summary>
    private RejectReason Head(ReadOnlySpan<char> line, Span<Range> cols, ColumnMap map, ReadOnlySpan<char> securityId, ReadOnlySpan<char> timeText, ref ExchangeRow row)
    {
        if (!VendorFields.TryParseTime(timeText, out _, out _)) return RejectReason.UnparsableNumber;
        if (!TryDay(line, cols, map, timeText, out int day, out int time)) return RejectReason.BadDate;
        row.Day = day;
        row.Event.Time = time;
        if (day != _cachedDay) { _cachedDay = day; _cachedDate = CanonicalRows.FormatDate(DateOnly.FromDayNumber(day)); }
        Put(_cachedDate); Put(',');
        Span<char> symbol = stackalloc char[9];
        if (!VendorFields.TryFormatSymbol(securityId, _exchange, symbol)) return RejectReason.BadSymbol;
        Put(symbol); Put(',');
        Span<char> digits = stackalloc char[11];
        time.TryFormat(digits, out int w, provider: System.Globalization.CultureInfo.InvariantCulture);
        Put(digits[..w]);
        if (row.IsSh)
        {
            // The seq column is rewritten after reconstruction; BizIndex keeps the text valid meanwhile.
            Put(',');
            row.Seq.TryFormat(digits, out w, provider: System.Globalization.CultureInfo.InvariantCulture);
            Put(digits[..w]);
        }
        else Put(',');
        return RejectReason.None;
    }

    /// <summary>The row's date: from a 17-digit time, else the TradingDay column, else the import's --date.</summary>
    private bool TryDay(ReadOnlySpan<char> line, Span<Range> cols, ColumnMap map, ReadOnlySpan<char> timeText, out int day, out int time)
    {
        if (!VendorFields.TryParseTime(timeText, out day, out time)) return false;
        if (day < 0 && map.DateAt >= 0 && !VendorFields.TryParseDate(line[cols[map.DateAt]], out day)) return false;
        if (day < 0 && _defaultDay is { } d) day = d;
        return day >= 0;
    }

    private void Put(ReadOnlySpan<char> s)
    {
        if (_at + s.Length + 1 > _line.Length) Array.Resize(ref _line, Math.Max(_line.Length * 2, _at + s.Length + 1));
        s.CopyTo(_line.AsSpan(_at));
        _at += s.Length;
    }

    /// <summary>The required columns of one row, by layout index, trimmed.</summary>
    private readonly ref struct Fields(ReadOnlySpan<char> line, Span<Range> cols, ColumnMap map)
    {
        private readonly ReadOnlySpan<char> _line = line;
        private readonly Span<Range> _cols = cols;

        public ReadOnlySpan<char> this[int k] => _line[_cols[map[k]]].Trim();
    }

    private void Put(char c)
    {
        if (_at == _line.Length) Array.Resize(ref _line, _line.Length * 2);
        _line[_at++] = c;
    }
}
