using Sig.Engine.Events;
using Sig.Replay.Store;

namespace Sig.Replay.Csv.Exchange;

/// <summary>One vendor file and its layout.</summary>
public sealed record ExchangeSource(ExchangeLayout Layout, string Path);

/// <summary>A message seen twice on a channel (same sequence number): the later copy was dropped.</summary>
public sealed record DuplicateMessage(DateOnly Date, string Exchange, int Channel, long Seq, string File, long Line, string FirstFile, long FirstLine);

/// <summary>
/// The exchange-layout part of an import (SZSE and SSE vendor CSVs), merged by the CSV importer
/// into the same trading days as canonical rows. Reads every file, drops duplicated channel
/// messages, counts lost ones per channel, applies the SZSE aggressor rule and rebuilds SSE's
/// original orders, and hands canonical events to the importer. The results
/// (<see cref="Losses"/>, <see cref="Duplicates"/>, <see cref="Rebuild"/>) are filled by the import.
/// </summary>
public sealed class ExchangeInput
{
    private readonly Dictionary<string, string> _renames;
    private readonly ChannelLedger _ledger = new();
    private readonly List<DuplicateMessage> _duplicates = [];
    private long _duplicateCount;

    /// <param name="sources">The vendor files.</param>
    /// <param name="columnRenames">Vendor column name → layout column name (case-insensitive).</param>
    /// <param name="date">The trading date of rows whose time carries none and that have no TradingDay column.</param>
    public ExchangeInput(IReadOnlyList<ExchangeSource> sources, IReadOnlyDictionary<string, string>? columnRenames = null, DateOnly? date = null)
    {
        if (sources.Count > byte.MaxValue - 1) throw new ArgumentException($"at most {byte.MaxValue - 1} exchange files per import, got {sources.Count}");
        Sources = sources;
        Date = date;
        _renames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (from, to) in columnRenames ?? new Dictionary<string, string>()) _renames[from] = to;
    }

    public IReadOnlyList<ExchangeSource> Sources { get; }
    public DateOnly? Date { get; }
    /// <summary>Duplicates dropped (all of them; <see cref="Duplicates"/> lists the first 20).</summary>
    public long DuplicateCount => _duplicateCount;
    public IReadOnlyList<DuplicateMessage> Duplicates => _duplicates;
    public SseRebuildStats Rebuild { get; } = new();
    /// <summary>Why a counter's losses were not checked (e.g. only one of the two SZSE files given), or null.</summary>
    public string? UncheckedNote { get; private set; }

    /// <summary>Every day's channel losses, by date.</summary>
    public IReadOnlyList<(DateOnly Date, ChannelLoss Loss)> Losses =>
        [.. _ledger.Days.SelectMany(d => LossesOn(DateOnly.FromDayNumber(d)).Select(l => (DateOnly.FromDayNumber(d), l)))];

    /// <summary>The channel losses stored with day <paramref name="date"/>.</summary>
    public IReadOnlyList<ChannelLoss> LossesOn(DateOnly date) => _ledger.LossesOn(date.DayNumber);

    /// <summary>
    /// Reads the files. Each file gets a report in <paramref name="reports"/> (rejects, fatal errors);
    /// the event of report k (0-based) is handed to <paramref name="add"/> as (day, event, k, line);
    /// after-hours prints to <paramref name="skipped"/>.
    /// </summary>
    internal void Read(IReadOnlyList<FileImportReport> reports, Action<int, TickEvent, int, int> add, SkippedPrint skipped,
        IProgress<(string, double)>? progress)
    {
        var rows = new ExchangeRowBuffer();
        for (int i = 0; i < Sources.Count; i++)
        {
            var report = reports[i];
            string phase = $"reading {Path.GetFileName(report.Path)}";
            CsvLineReader? reader = null;
            try
            {
                reader = new CsvLineReader(report.Path);
                new ExchangeFileReader(Sources[i].Layout, report, (byte)i, Date).Read(reader, _renames, rows, skipped);
            }
            catch (InvalidDataException ex)
            {
                report.FatalError = $"{report.Path}: {ex.Message} (after line {reader?.LineNumber ?? 0:N0}); the file is damaged";
            }
            finally
            {
                reader?.Dispose();
            }
            progress?.Report((phase, 1));
        }

        progress?.Report(("checking channels", 0));
        var layouts = Sources.Select(s => s.Layout).ToHashSet();
        bool szComplete = layouts.Contains(ExchangeLayout.SzseOrders) && layouts.Contains(ExchangeLayout.SzseTrades);
        if (!szComplete && (layouts.Contains(ExchangeLayout.SzseOrders) || layouts.Contains(ExchangeLayout.SzseTrades)))
            UncheckedNote = "SZSE losses are not checked: orders and trades share ApplSeqNum, so both files are needed";
        var all = rows.Items.AsSpan(0, rows.Count);
        _ledger.CountGaps(all, stream => stream == SeqStream.SzseApplSeqNum && !szComplete);

        all.Sort(new ChannelOrder());
        var rebuilder = new SseOrderRebuilder(Rebuild);
        Action<TickEvent, ExchangeRow> emit = (e, r) => add(r.Day, e, r.Source, r.Line);
        for (int start = 0; start < all.Length;)
        {
            int end = start + 1;
            while (end < all.Length && all[end].Day == all[start].Day && all[end].IsSh == all[start].IsSh && all[end].Channel == all[start].Channel) end++;
            Channel(all[start..end], reports, rebuilder, emit);
            start = end;
        }
        progress?.Report(("checking channels", 1));
    }

    /// <summary>One channel-day in sequence order: drops duplicates, then emits its events.</summary>
    private void Channel(Span<ExchangeRow> rows, IReadOnlyList<FileImportReport> reports, SseOrderRebuilder rebuilder, Action<TickEvent, ExchangeRow> emit)
    {
        int day = rows[0].Day, channel = rows[0].Channel;
        bool sh = rows[0].IsSh;
        for (int i = 0; i < rows.Length; i++)
        {
            ref readonly var r = ref rows[i];
            if (i > 0 && r.Seq == rows[i - 1].Seq)
            {
                Duplicate(r, rows[i - 1], reports);
                continue;
            }
            if (r.Raw is (byte)'X' or (byte)'S') continue;
            if (!sh)
            {
                emit(r.Event, r);
                if (r.Event.IsFill && _ledger.Find(day, SeqStream.SzseApplSeqNum, channel) is { Missing.Count: > 0 } stats
                    && (stats.IsMissing(r.Event.BuyOrderId) || stats.IsMissing(r.Event.SellOrderId)))
                    stats.FillsOnLostOrders++;
                continue;
            }
            var (buy, sell) = rebuilder.Add(r, emit);
            if (buy != 0 || sell != 0) UnpublishedPassive(day, channel);
        }
        if (sh) rebuilder.Finish(day, emit);
    }

    /// <summary>A fill whose resting order never appeared: a lost order when the channel lost messages, else counted as unpublished.</summary>
    private void UnpublishedPassive(int day, int channel)
    {
        foreach (var stream in (SeqStream[])[SeqStream.SseOrderIndex, SeqStream.SseBizIndex])
            if (_ledger.Find(day, stream, channel) is { Lost: > 0 } stats)
            {
                stats.FillsOnLostOrders++;
                return;
            }
        Rebuild.FillsOnUnpublishedOrders++;
    }

    private void Duplicate(in ExchangeRow r, in ExchangeRow first, IReadOnlyList<FileImportReport> reports)
    {
        _ledger.Get(r.Day, r.Stream, r.Channel).Duplicates++;
        _duplicateCount++;
        if (_duplicates.Count < 20)
            _duplicates.Add(new DuplicateMessage(DateOnly.FromDayNumber(r.Day), r.IsSh ? "SH" : "SZ", r.Channel, r.Seq,
                Path.GetFileName(reports[r.Source].Path), r.Line, Path.GetFileName(reports[first.Source].Path), first.Line));
    }
}

/// <summary>(day, exchange, channel, sequence, file, line): a channel's messages in sequence order, duplicates adjacent with the first read first.</summary>
internal readonly struct ChannelOrder : IComparer<ExchangeRow>
{
    public int Compare(ExchangeRow a, ExchangeRow b)
    {
        int c = a.Day.CompareTo(b.Day);
        if (c == 0) c = a.IsSh.CompareTo(b.IsSh);
        if (c == 0) c = a.Channel.CompareTo(b.Channel);
        if (c == 0) c = a.Seq.CompareTo(b.Seq);
        if (c == 0) c = a.Source.CompareTo(b.Source);
        return c != 0 ? c : a.Line.CompareTo(b.Line);
    }
}

/// <summary>A growable array of rows (the sort needs the span).</summary>
internal sealed class ExchangeRowBuffer
{
    public ExchangeRow[] Items = new ExchangeRow[1024];
    public int Count;

    public void Add(in ExchangeRow row)
    {
        if (Count == Items.Length) Array.Resize(ref Items, Items.Length * 2);
        Items[Count++] = row;
    }
}
