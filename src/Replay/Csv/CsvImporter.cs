using Sig.Engine.Events;
using Sig.Engine.Text;
using Sig.Replay.Csv.Exchange;
using Sig.Replay.Store;

namespace Sig.Replay.Csv;

/// <summary>
/// Imports the canonical trades.csv, orders.csv and reference.csv (DATA.md; plain or gzip) into a
/// sink, in (date, symbol, seq) order whatever the row order of the files. Row checks come from
/// <see cref="CanonicalRows"/>, shared with live ingest; the checks that need context run after sorting:
/// <list type="bullet">
/// <item>Duplicate seq within a symbol-day, across trades and orders: the files have no order, so
/// "decreasing" cannot be defined; of the rows sharing a seq the one with the lowest line number
/// is kept (line numbers compared across the two files; at equal lines the trade) and the others are rejected.</item>
/// <item>A trade whose buy (sell) order id names an order row of the same symbol-day with the
/// other side is rejected. Ids with no order row are not checked (the order may predate the file).</item>
/// </list>
/// All rows are held in memory (56 bytes each) to sort them. Nothing reaches the sink unless
/// the import succeeds, so a failed import writes nothing.
/// </summary>
public static class CsvImporter
{
    private const int ProgressEvery = 1 << 16;

    /// <summary>
    /// Reads, checks and (on success) writes the files into <paramref name="sink"/>. The canonical
    /// trades and orders are optional (null) when <see cref="ImportOptions.Exchange"/> brings the events.
    /// </summary>
    public static ImportResult Import(string? tradesPath, string? ordersPath, string referencePath, IMarketDataSink sink, ImportOptions? options = null)
    {
        options ??= new ImportOptions();
        var result = new ImportResult(new FileImportReport(tradesPath ?? "", options.MaxSamples),
            new FileImportReport(ordersPath ?? "", options.MaxSamples), new FileImportReport(referencePath, options.MaxSamples));
        foreach (var p in (string?[])[tradesPath, ordersPath, referencePath])
            if (p is not null && !File.Exists(p)) throw new FileNotFoundException($"{p}: no such file", p);
        result.InputBytes = (tradesPath is null ? 0 : new FileInfo(tradesPath).Length) + (ordersPath is null ? 0 : new FileInfo(ordersPath).Length)
            + new FileInfo(referencePath).Length;

        var rows = new RowBuffer();
        var skipped = new Dictionary<long, int>();
        if (tradesPath is not null) ReadEvents(result.Trades, TickKind.Trade, rows, skipped, options.Progress);
        if (ordersPath is not null) ReadEvents(result.Orders, TickKind.Order, rows, skipped, options.Progress);
        var (schema, references) = ReadReferences(result.Reference, options.Progress);
        if (options.Exchange is { } exchange) ReadExchange(exchange, result, rows, skipped, options);

        options.Progress?.Report(("checking", 0));
        int kept = CheckInContext(rows, result, options.TopGaps);
        options.Progress?.Report(("checking", 1));

        var fatal = result.Files.Where(f => f.FatalError is not null).Select(f => f.FatalError).ToList();
        if (fatal.Count > 0) result.Error = string.Join("; ", fatal) + "; nothing written";
        else if (result.TotalRejects > 0 && !options.AllowRejects)
            result.Error = $"{result.TotalRejects} rows rejected; nothing written (allow rejects to import the good rows)";
        if (result.Error is not null) return result;

        Write(sink, schema!, references, rows.Items.AsSpan(0, kept), skipped, result, options.Progress, options.Exchange);
        result.Success = true;
        return result;
    }

    private static void ReadEvents(FileImportReport report, TickKind kind, RowBuffer rows, Dictionary<long, int> skipped,
        IProgress<(string, double)>? progress)
    {
        string phase = kind == TickKind.Trade ? "reading trades" : "reading orders";
        string header = kind == TickKind.Trade ? CanonicalRows.TradeHeader : CanonicalRows.OrderHeader;
        using var reader = new CsvLineReader(report.Path);
        try
        {
            if (!reader.TryReadLine(out var first) || !first.SequenceEqual(header))
            {
                report.FatalError = $"{report.Path} line 1: the header must be '{header}', found '{first}'";
                report.Reject(1, RejectReason.BadHeader, report.FatalError, first);
                return;
            }
            while (reader.TryReadLine(out var line))
            {
                long n = reader.LineNumber;
                if (n > int.MaxValue) throw new InvalidDataException($"{report.Path}: more than {int.MaxValue} lines; split the file by date");
                report.Rows++;
                var outcome = kind == TickKind.Trade
                    ? CanonicalRows.ParseTrade(line, out var date, out var e, out var reason)
                    : CanonicalRows.ParseOrder(line, out date, out e, out reason);
                if (outcome == RowOutcome.Accepted) rows.Add(new ImportRow(e, date.DayNumber, (int)n));
                else if (outcome == RowOutcome.SkippedAfterHours)
                {
                    report.SkippedAfterHours++;
                    skipped[Key(date.DayNumber, e.Symbol)] = skipped.GetValueOrDefault(Key(date.DayNumber, e.Symbol)) + 1;
                }
                else report.Reject(n, reason, reason.Describe(), line);
                if (n % ProgressEvery == 0) progress?.Report((phase, reader.Progress));
            }
        }
        catch (InvalidDataException ex)
        {
            // A damaged gzip stream: name the file and how far it got.
            throw new InvalidDataException($"{report.Path} after line {reader.LineNumber}: {ex.Message}", ex);
        }
        progress?.Report((phase, 1));
    }

    /// <summary>The exchange-layout files: their rows join the canonical ones, tagged with their file for reject reports.</summary>
    private static void ReadExchange(ExchangeInput exchange, ImportResult result, RowBuffer rows, Dictionary<long, int> skipped, ImportOptions options)
    {
        foreach (var source in exchange.Sources)
            if (!File.Exists(source.Path)) throw new FileNotFoundException($"{source.Path}: no such file", source.Path);
        var reports = exchange.Sources.Select(s => new FileImportReport(s.Path, options.MaxSamples)).ToArray();
        result.ExchangeFiles = reports;
        result.InputBytes += exchange.Sources.Sum(s => new FileInfo(s.Path).Length);
        exchange.Read(reports, (day, e, file, line) => rows.Add(new ImportRow(e, day, line) { Source = (byte)(file + 1) }),
            (day, symbol) => skipped[Key(day, symbol)] = skipped.GetValueOrDefault(Key(day, symbol)) + 1, options.Progress);
    }

    private static (ReferenceSchema? Schema, Dictionary<int, List<DailyReference>> ByDay) ReadReferences(
        FileImportReport report, IProgress<(string, double)>? progress)
    {
        var byDay = new Dictionary<int, List<DailyReference>>();
        using var reader = new CsvLineReader(report.Path);
        if (!reader.TryReadLine(out var first))
        {
            report.FatalError = $"{report.Path}: empty file, no header";
            report.Reject(1, RejectReason.BadHeader, report.FatalError, "");
            return (null, byDay);
        }
        string headerText = first.ToString();
        var layout = ReferenceLayout.TryParseHeader(headerText, out string error);
        if (layout is null)
        {
            report.FatalError = $"{report.Path} line 1: bad reference header: {error}";
            report.Reject(1, RejectReason.BadHeader, error, headerText);
            return (null, byDay);
        }
        var firstLineOf = new Dictionary<long, long>();
        try
        {
            while (reader.TryReadLine(out var line))
            {
                long n = reader.LineNumber;
                report.Rows++;
                var reason = layout.TryParseRow(line, out var row, out string detail);
                if (reason != RejectReason.None)
                {
                    report.Reject(n, reason, $"{reason.Describe()}: {detail}", line);
                    continue;
                }
                long key = Key(row!.Date.DayNumber, row.Symbol.Value);
                if (firstLineOf.TryGetValue(key, out long earlier))
                {
                    // RejectReason has no "duplicate reference row"; BadSymbol is the closest, the detail says which.
                    report.Reject(n, RejectReason.BadSymbol, $"duplicate reference row for {row.Symbol} on {row.Date:yyyy-MM-dd} (first at line {earlier})", line);
                    continue;
                }
                firstLineOf[key] = n;
                if (!byDay.TryGetValue(row.Date.DayNumber, out var list)) byDay[row.Date.DayNumber] = list = [];
                list.Add(row);
                if (n % ProgressEvery == 0) progress?.Report(("reading reference", reader.Progress));
            }
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{report.Path} after line {reader.LineNumber}: {ex.Message}", ex);
        }
        foreach (var list in byDay.Values) list.Sort((a, b) => a.Symbol.Value.CompareTo(b.Symbol.Value));
        return (layout.Schema, byDay);
    }

    /// <summary>Sorts, rejects duplicate seqs and wrong-side order ids, counts gaps; returns the rows kept (compacted to the front).</summary>
    private static int CheckInContext(RowBuffer buffer, ImportResult result, int topGaps)
    {
        var rows = buffer.Items.AsSpan(0, buffer.Count);
        rows.Sort(new RowOrder());
        var orderSides = new Dictionary<long, byte>();
        var gaps = new List<SymbolDayGaps>();
        int write = 0;
        for (int start = 0; start < rows.Length;)
        {
            int end = start + 1;
            while (end < rows.Length && rows[end].Day == rows[start].Day && rows[end].Event.Symbol == rows[start].Event.Symbol) end++;

            int groupStart = write;
            bool hasOrders = false, hasTrades = false;
            for (int i = start; i < end; i++)
            {
                if (write > groupStart && rows[i].Event.Seq == rows[write - 1].Event.Seq)
                {
                    Reject(result, rows[i], RejectReason.DuplicateOrDecreasingSeq,
                        $"seq {rows[i].Event.Seq} already used by {(rows[write - 1].Event.Kind == TickKind.Trade ? "trades" : "orders")} line {rows[write - 1].Line}");
                    continue;
                }
                hasOrders |= rows[i].Event.Kind == TickKind.Order;
                hasTrades |= rows[i].Event.Kind == TickKind.Trade;
                rows[write++] = rows[i];
            }
            if (hasOrders && hasTrades) write = RejectWrongSides(rows, groupStart, write, orderSides, result);

            int groupGaps = 0;
            for (int i = groupStart + 1; i < write; i++)
                if (rows[i].Event.Seq - rows[i - 1].Event.Seq > 1) groupGaps++;
            if (write > groupStart)
            {
                result.SymbolDays++;
                result.SeqGaps += groupGaps;
                if (groupGaps > 0) gaps.Add(new SymbolDayGaps(DateOnly.FromDayNumber(rows[groupStart].Day), new SymbolCode(rows[groupStart].Event.Symbol), groupGaps));
            }
            start = end;
        }
        result.SymbolDaysWithGaps = gaps.Count;
        result.TopGaps = [.. gaps.OrderByDescending(g => g.Gaps).ThenBy(g => g.Date).ThenBy(g => g.Symbol.Value).Take(topGaps)];
        return write;
    }

    private static int RejectWrongSides(Span<ImportRow> rows, int start, int end, Dictionary<long, byte> orderSides, ImportResult result)
    {
        orderSides.Clear();
        for (int i = start; i < end; i++)
            if (rows[i].Event.Kind == TickKind.Order && rows[i].Event.Type != (byte)'D') orderSides.TryAdd(rows[i].Event.OrderId, rows[i].Event.Side);
        int write = start;
        for (int i = start; i < end; i++)
        {
            ref readonly var e = ref rows[i].Event;
            if (e.Kind == TickKind.Trade)
            {
                string? wrong = null;
                if (e.BuyOrderId != 0 && orderSides.TryGetValue(e.BuyOrderId, out byte bs) && bs != (byte)'B') wrong = $"buy_order_id {e.BuyOrderId} is a sell order";
                else if (e.SellOrderId != 0 && orderSides.TryGetValue(e.SellOrderId, out byte ss) && ss != (byte)'S') wrong = $"sell_order_id {e.SellOrderId} is a buy order";
                if (wrong is not null)
                {
                    Reject(result, rows[i], RejectReason.WrongSideOrderId, wrong);
                    continue;
                }
            }
            rows[write++] = rows[i];
        }
        return write;
    }

    private static void Reject(ImportResult result, in ImportRow row, RejectReason reason, string detail)
    {
        var date = DateOnly.FromDayNumber(row.Day);
        bool trade = row.Event.Kind == TickKind.Trade;
        string text = trade ? CanonicalRows.FormatTrade(date, row.Event) : CanonicalRows.FormatOrder(date, row.Event);
        (row.Source > 0 ? result.ExchangeFiles[row.Source - 1] : trade ? result.Trades : result.Orders).Reject(row.Line, reason, detail, text);
    }

    private static void Write(IMarketDataSink sink, ReferenceSchema schema, Dictionary<int, List<DailyReference>> references,
        ReadOnlySpan<ImportRow> rows, Dictionary<long, int> skipped, ImportResult result, IProgress<(string, double)>? progress, ExchangeInput? exchange)
    {
        var days = new SortedSet<int>(references.Keys);
        foreach (long key in skipped.Keys) days.Add((int)(key >> 32));
        for (int i = 0; i < rows.Length; i++) if (i == 0 || rows[i].Day != rows[i - 1].Day) days.Add(rows[i].Day);

        var buffer = new TickEvent[1024];
        int at = 0;
        foreach (int day in days)
        {
            var dayReferences = references.GetValueOrDefault(day) ?? [];
            var skippedOnly = skipped.Where(kv => (int)(kv.Key >> 32) == day).Select(kv => (Symbol: (int)kv.Key, Count: kv.Value))
                .OrderBy(s => s.Symbol).ToArray();
            int nextSkipped = 0;
            using var dayWriter = sink.BeginDay(DateOnly.FromDayNumber(day), schema, dayReferences);
            if (exchange is not null && dayWriter is ChannelLoss.IWriter losses) losses.SetChannelLosses(exchange.LossesOn(DateOnly.FromDayNumber(day)));
            while (at < rows.Length && rows[at].Day == day)
            {
                int symbol = rows[at].Event.Symbol;
                for (; nextSkipped < skippedOnly.Length && skippedOnly[nextSkipped].Symbol < symbol; nextSkipped++)
                    WriteSymbol(dayWriter, skippedOnly[nextSkipped].Symbol, [], skippedOnly[nextSkipped].Count);
                int count = 0;
                for (; at < rows.Length && rows[at].Day == day && rows[at].Event.Symbol == symbol; at++)
                {
                    if (count == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                    buffer[count++] = rows[at].Event;
                }
                int skippedHere = 0;
                if (nextSkipped < skippedOnly.Length && skippedOnly[nextSkipped].Symbol == symbol) skippedHere = skippedOnly[nextSkipped++].Count;
                WriteSymbol(dayWriter, symbol, buffer.AsSpan(0, count), skippedHere);
                result.EventsWritten += count;
                progress?.Report(("writing", rows.Length == 0 ? 1 : (double)at / rows.Length));
            }
            for (; nextSkipped < skippedOnly.Length; nextSkipped++)
                WriteSymbol(dayWriter, skippedOnly[nextSkipped].Symbol, [], skippedOnly[nextSkipped].Count);
            dayWriter.Commit();
            result.ReferencesWritten += dayReferences.Count;
        }
        result.Dates = [.. days.Select(DateOnly.FromDayNumber)];
    }

    private static void WriteSymbol(IDayWriter writer, int symbol, ReadOnlySpan<TickEvent> events, int skippedAfterHours)
    {
        if (writer is ISkipCountingDayWriter counting) counting.WriteSymbol(new SymbolCode(symbol), events, skippedAfterHours);
        else if (events.Length > 0) writer.WriteSymbol(new SymbolCode(symbol), events);
    }

    private static long Key(int day, int symbol) => ((long)day << 32) | (uint)symbol;

    /// <summary>An accepted row awaiting the sort: the event, its date and where it came from.</summary>
    private struct ImportRow(TickEvent e, int day, int line)
    {
        public TickEvent Event = e;
        public int Day = day;
        public int Line = line;
        /// <summary>0: the canonical file of its kind; k: exchange file k-1.</summary>
        public byte Source;
    }

    /// <summary>(date, symbol, seq, line, trades before orders): the last two decide which duplicate is kept.</summary>
    private readonly struct RowOrder : IComparer<ImportRow>
    {
        public int Compare(ImportRow a, ImportRow b)
        {
            int c = a.Day.CompareTo(b.Day);
            if (c != 0) return c;
            c = a.Event.Symbol.CompareTo(b.Event.Symbol);
            if (c != 0) return c;
            c = a.Event.Seq.CompareTo(b.Event.Seq);
            if (c != 0) return c;
            c = a.Line.CompareTo(b.Line);
            return c != 0 ? c : ((byte)a.Event.Kind).CompareTo((byte)b.Event.Kind);
        }
    }

    /// <summary>A growable array of rows (List&lt;T&gt; would hide the span the sort needs).</summary>
    private sealed class RowBuffer
    {
        public ImportRow[] Items = new ImportRow[1024];
        public int Count;

        public void Add(in ImportRow row)
        {
            if (Count == Items.Length) Array.Resize(ref Items, Items.Length * 2);
            Items[Count++] = row;
        }
    }
}
