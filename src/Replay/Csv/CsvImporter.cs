using Sig.Engine.Events;
using Sig.Engine.Text;
using Sig.Replay.Csv.Exchange;
using Sig.Replay.Store;

namespace Sig.Replay.Csv;

/// <summary>
/// Imports the canonical trades.csv, orders.csv and reference.csv (docs/events-and-sessions.md; plain or gzip) into a
/// sink, in (date, symbol, seq) order whatever the row order of the files. Row checks come from
/// <see cref="CanonicalRows"/>, shared with live ingest; the checks that need context run after sorting:
/// <list type="bullet">
/// <item>Duplicate seq within a symbol-day, across trades and orders: the files have no order, so
/// "decreasing" cannot be defined; of the rows sharing a seq the one with the lowest line number
/// is kept (line numbers compared across the two files; at equal lines the trade) and the others are rejected.</item>
/// <item>A trade whose buy (sell) order id names an order row of the same symbol-day with the
/// other side is rejected. Ids with no order row are not checked (the order may predate the file).</item>
/// <item>Rows of a symbol-day with no reference row in this import's reference file (live refuses them too).</item>
/// <item>A row whose time is before that of a kept row earlier in seq order (replay would reach it after its minute closed).</item>
/// <item>Rows that would take the symbol-day's Σ price × volume past <see cref="InputBounds.MaxSymbolDayAmountTicks"/>.</item>
/// </list>
/// All rows are held in memory (56 bytes each) to sort them. Nothing reaches the sink unless
/// the import succeeds, so a failed import writes nothing.
/// </summary>
public static class CsvImporter
{
    private const int ProgressEvery = 1 << 16;

    /// <summary>
    /// Imports into the tick store at <paramref name="storeDirectory"/> (what `engine import` runs):
    /// a day already stored is never replaced unless <see cref="ImportOptions.Replace"/>; a refused
    /// import leaves the store's bytes as they were.
    /// </summary>
    public static ImportResult ImportIntoStore(string? tradesPath, string? ordersPath, string referencePath, string storeDirectory, ImportOptions? options = null)
    {
        var stored = Directory.Exists(storeDirectory) ? TickStore.Open(storeDirectory).Dates.ToHashSet() : [];
        using var sink = new TickStoreWriter(storeDirectory);
        return Import(tradesPath, ordersPath, referencePath, sink, (options ?? new ImportOptions()) with { IsStored = stored.Contains });
    }

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
        var skipped = new Dictionary<long, SkippedRows>();
        if (tradesPath is not null) ReadEvents(result.Trades, TickKind.Trade, rows, skipped, options.Progress);
        if (ordersPath is not null) ReadEvents(result.Orders, TickKind.Order, rows, skipped, options.Progress);
        var (schema, references) = ReadReferences(result.Reference, options.Progress);
        if (options.Exchange is { } exchange) ReadExchange(exchange, result, rows, skipped, options);
        // An unreadable reference file fails the import by itself; its rows are not then blamed on every event.
        var referenced = result.Reference.FatalError is not null ? null
            : new HashSet<long>(references.Values.SelectMany(list => list).Select(r => Key(r.Date.DayNumber, r.Symbol.Value)));

        options.Progress?.Report(("checking", 0));
        int kept = CheckInContext(rows, result, options.TopGaps, referenced);
        if (referenced is not null) RejectUnreferencedSkips(skipped, referenced, result);
        options.Progress?.Report(("checking", 1));

        var fatal = result.Files.Where(f => f.FatalError is not null).Select(f => f.FatalError).ToList();
        if (fatal.Count > 0) result.Error = string.Join("; ", fatal) + "; nothing written";
        else if (result.TotalRejects > 0 && !options.AllowRejects)
            result.Error = $"{result.TotalRejects} rows rejected; nothing written (allow rejects to import the good rows)";
        if (result.Error is not null) return result;

        var days = DaysOf(references, skipped, rows.Items.AsSpan(0, kept));
        var stored = options.IsStored is null ? [] : days.Where(d => options.IsStored(DateOnly.FromDayNumber(d))).ToList();
        if (stored.Count > 0 && !options.Replace)
        {
            string Day(int d) => CanonicalRows.FormatDate(DateOnly.FromDayNumber(d));
            string named = stored.Count <= 5 ? string.Join(", ", stored.Select(Day)) : $"{stored.Count} days ({string.Join(", ", stored.Take(3).Select(Day))}, …, {Day(stored[^1])})";
            result.Error = $"{named} {(stored.Count == 1 ? "is" : "are")} already in the store; nothing written (replace to overwrite a stored day)";
            return result;
        }

        Write(sink, schema!, references, rows.Items.AsSpan(0, kept), skipped, days, stored, result, options.Progress, options.Exchange);
        result.Success = true;
        return result;
    }

    private static void ReadEvents(FileImportReport report, TickKind kind, RowBuffer rows, Dictionary<long, SkippedRows> skipped,
        IProgress<(string, double)>? progress)
    {
        string phase = kind == TickKind.Trade ? "reading trades" : "reading orders";
        string header = kind == TickKind.Trade ? CanonicalRows.TradeHeader : CanonicalRows.OrderHeader;
        ReadFile(report, reader =>
        {
            if (!reader.TryReadLine(out var first) || !first.SequenceEqual(header))
            {
                report.FatalError = $"{report.Path} line 1: the header must be '{header}', found {TextPreview.Quote(first)}";
                report.Reject(1, RejectReason.BadHeader, report.FatalError, first);
                return;
            }
            while (reader.TryReadLine(out var line))
            {
                long n = reader.LineNumber;
                if (n > int.MaxValue) throw new InvalidDataException($"more than {int.MaxValue} lines; split the file by date");
                report.Rows++;
                var outcome = kind == TickKind.Trade
                    ? CanonicalRows.ParseTrade(line, out var date, out var e, out var reason)
                    : CanonicalRows.ParseOrder(line, out date, out e, out reason);
                if (outcome == RowOutcome.Accepted) rows.Add(new ImportRow(e, date.DayNumber, (int)n));
                else if (outcome == RowOutcome.SkippedAfterHours)
                {
                    report.SkippedAfterHours++;
                    long key = Key(date.DayNumber, e.Symbol);
                    AddSkipped(skipped, key, report, n, line);
                }
                else report.Reject(n, reason, reason.Describe(), line);
                if (n % ProgressEvery == 0) progress?.Report((phase, reader.Progress));
            }
        });
        progress?.Report((phase, 1));
    }

    /// <summary>Runs <paramref name="read"/> over the file; a damaged file (corrupt or cut gzip, a binary file) is a fatal error of that file naming where it failed.</summary>
    private static void ReadFile(FileImportReport report, Action<CsvLineReader> read)
    {
        CsvLineReader? reader = null;
        try
        {
            reader = new CsvLineReader(report.Path);
            read(reader);
        }
        catch (InvalidDataException ex)
        {
            report.FatalError = $"{report.Path}: {ex.Message} (after line {reader?.LineNumber ?? 0:N0}); the file cannot be imported";
        }
        finally
        {
            reader?.Dispose();
        }
    }

    /// <summary>The exchange-layout files: their rows join the canonical ones, tagged with their file for reject reports.</summary>
    private static void ReadExchange(ExchangeInput exchange, ImportResult result, RowBuffer rows, Dictionary<long, SkippedRows> skipped, ImportOptions options)
    {
        foreach (var source in exchange.Sources)
            if (!File.Exists(source.Path)) throw new FileNotFoundException($"{source.Path}: no such file", source.Path);
        var reports = exchange.Sources.Select(s => new FileImportReport(s.Path, options.MaxSamples)).ToArray();
        result.ExchangeFiles = reports;
        result.InputBytes += exchange.Sources.Sum(s => new FileInfo(s.Path).Length);
        exchange.Read(reports, (day, e, file, line) => rows.Add(new ImportRow(e, day, line) { Source = (byte)(file + 1) }),
            (day, symbol, file, line, text) => AddSkipped(skipped, Key(day, symbol), reports[file], line, text), options.Progress);
    }

    private static (ReferenceSchema? Schema, Dictionary<int, List<DailyReference>> ByDay) ReadReferences(
        FileImportReport report, IProgress<(string, double)>? progress)
    {
        var byDay = new Dictionary<int, List<DailyReference>>();
        ReferenceSchema? schema = null;
        ReadFile(report, reader =>
        {
            if (!reader.TryReadLine(out var first))
            {
                report.FatalError = $"{report.Path}: empty file, no header";
                report.Reject(1, RejectReason.BadHeader, report.FatalError, "");
                return;
            }
            var layout = ReferenceLayout.TryParseHeader(first.ToString(), out string error);
            if (layout is null)
            {
                report.FatalError = $"{report.Path} line 1: bad reference header: {error}";
                report.Reject(1, RejectReason.BadHeader, error, first);
                return;
            }
            var firstLineOf = new Dictionary<long, long>();
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
            schema = layout.Schema;
        });
        foreach (var list in byDay.Values) list.Sort((a, b) => a.Symbol.Value.CompareTo(b.Symbol.Value));
        return (schema, byDay);
    }

    /// <summary>
    /// Sorts; rejects rows of symbol-days without a reference row, duplicate seqs, times that go
    /// backwards in seq order, wrong-side order ids and rows past the symbol-day amount cap;
    /// counts gaps; returns the rows kept (compacted to the front).
    /// </summary>
    private static int CheckInContext(RowBuffer buffer, ImportResult result, int topGaps, HashSet<long>? referenced)
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

            if (referenced is not null && !referenced.Contains(Key(rows[start].Day, rows[start].Event.Symbol)))
            {
                string detail = $"{new SymbolCode(rows[start].Event.Symbol)} has no reference row for {CanonicalRows.FormatDate(DateOnly.FromDayNumber(rows[start].Day))} in {Path.GetFileName(result.Reference.Path)}";
                for (int i = start; i < end; i++) Reject(result, rows[i], RejectReason.NoReferenceRow, detail);
                start = end;
                continue;
            }

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
                // Kept rows' times never decrease, so the last kept row holds the latest time.
                if (write > groupStart && rows[i].Event.Time < rows[write - 1].Event.Time)
                {
                    Reject(result, rows[i], RejectReason.TimeGoesBackwards,
                        $"time {rows[i].Event.Time} at seq {rows[i].Event.Seq} is before {rows[write - 1].Event.Time} at seq {rows[write - 1].Event.Seq}");
                    continue;
                }
                hasOrders |= rows[i].Event.Kind == TickKind.Order;
                hasTrades |= rows[i].Event.Kind == TickKind.Trade;
                rows[write++] = rows[i];
            }
            if (hasOrders && hasTrades) write = RejectWrongSides(rows, groupStart, write, orderSides, result);
            write = CapAmount(rows, groupStart, write, result);

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

    /// <summary>Rejects, in seq order, the rows that would take the symbol-day's Σ price × volume past <see cref="InputBounds.MaxSymbolDayAmountTicks"/>.</summary>
    private static int CapAmount(Span<ImportRow> rows, int start, int end, ImportResult result)
    {
        long total = 0;
        int write = start;
        for (int i = start; i < end; i++)
        {
            long amount = rows[i].Event.Price * rows[i].Event.Volume; // ≤ 10^17 by the row bounds
            if (total > InputBounds.MaxSymbolDayAmountTicks - amount)
            {
                Reject(result, rows[i], RejectReason.SymbolDayAmountOutOfRange, $"Σ price × volume reaches {FixedPrice.Format(total)} CNY before this row");
                continue;
            }
            total += amount;
            rows[write++] = rows[i];
        }
        return write;
    }

    /// <summary>After-hours prints of a symbol-day without a reference row are refused like its events (they would add the symbol to the day).</summary>
    private static void RejectUnreferencedSkips(Dictionary<long, SkippedRows> skipped, HashSet<long> referenced, ImportResult result)
    {
        foreach (long key in skipped.Keys.Where(k => !referenced.Contains(k)).Order().ToList())
        {
            string detail = $"{new SymbolCode((int)key)} has no reference row for {CanonicalRows.FormatDate(DateOnly.FromDayNumber((int)(key >> 32)))} in {Path.GetFileName(result.Reference.Path)}";
            foreach (var (report, count, line, text) in skipped[key].ByFile)
                report.Reclassify(count, line, RejectReason.NoReferenceRow, detail, text);
            skipped.Remove(key);
        }
    }

    private static void AddSkipped(Dictionary<long, SkippedRows> skipped, long key, FileImportReport report, long line, ReadOnlySpan<char> text)
    {
        if (!skipped.TryGetValue(key, out var s)) skipped[key] = s = new SkippedRows();
        s.Add(report, line, text);
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

    /// <summary>Every day the import writes: days with reference rows (the checks refused events and prints without one).</summary>
    private static SortedSet<int> DaysOf(Dictionary<int, List<DailyReference>> references, Dictionary<long, SkippedRows> skipped, ReadOnlySpan<ImportRow> rows)
    {
        var days = new SortedSet<int>(references.Keys);
        foreach (long key in skipped.Keys) days.Add((int)(key >> 32));
        for (int i = 0; i < rows.Length; i++) if (i == 0 || rows[i].Day != rows[i - 1].Day) days.Add(rows[i].Day);
        return days;
    }

    private static void Write(IMarketDataSink sink, ReferenceSchema schema, Dictionary<int, List<DailyReference>> references,
        ReadOnlySpan<ImportRow> rows, Dictionary<long, SkippedRows> skipped, SortedSet<int> days, List<int> replaced,
        ImportResult result, IProgress<(string, double)>? progress, ExchangeInput? exchange)
    {
        var buffer = new TickEvent[1024];
        var written = new List<ImportedDay>();
        int at = 0;
        foreach (int day in days)
        {
            var dayReferences = references.GetValueOrDefault(day) ?? [];
            var skippedOnly = skipped.Where(kv => (int)(kv.Key >> 32) == day).Select(kv => (Symbol: (int)kv.Key, kv.Value.Count))
                .OrderBy(s => s.Symbol).ToArray();
            int nextSkipped = 0;
            long dayEvents = 0;
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
                dayEvents += count;
                progress?.Report(("writing", rows.Length == 0 ? 1 : (double)at / rows.Length));
            }
            for (; nextSkipped < skippedOnly.Length; nextSkipped++)
                WriteSymbol(dayWriter, skippedOnly[nextSkipped].Symbol, [], skippedOnly[nextSkipped].Count);
            dayWriter.Commit();
            result.EventsWritten += dayEvents;
            result.ReferencesWritten += dayReferences.Count;
            written.Add(new ImportedDay(DateOnly.FromDayNumber(day), dayEvents, dayReferences.Count, replaced.Contains(day)));
        }
        result.Dates = [.. days.Select(DateOnly.FromDayNumber)];
        result.Days = written;
    }

    private static void WriteSymbol(IDayWriter writer, int symbol, ReadOnlySpan<TickEvent> events, int skippedAfterHours)
    {
        if (writer is ISkipCountingDayWriter counting) counting.WriteSymbol(new SymbolCode(symbol), events, skippedAfterHours);
        else if (events.Length > 0) writer.WriteSymbol(new SymbolCode(symbol), events);
    }

    private static long Key(int day, int symbol) => ((long)day << 32) | (uint)symbol;

    /// <summary>After-hours prints of one symbol-day: how many per file, and each file's first one (for a reject sample if the symbol-day is refused).</summary>
    private sealed class SkippedRows
    {
        /// <summary>In the order the files were read (a handful of files: a list beats a dictionary).</summary>
        public readonly List<(FileImportReport Report, int Count, long FirstLine, string FirstText)> ByFile = [];
        public int Count;

        public void Add(FileImportReport report, long line, ReadOnlySpan<char> text)
        {
            Count++;
            int i = ByFile.FindIndex(f => ReferenceEquals(f.Report, report));
            if (i < 0) ByFile.Add((report, 1, line, text.ToString()));
            else ByFile[i] = ByFile[i] with { Count = ByFile[i].Count + 1 };
        }
    }

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
