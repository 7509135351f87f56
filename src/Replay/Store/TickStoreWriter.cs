using Sig.Engine.Hashing;
using Sig.Engine.Events;

namespace Sig.Replay.Store;

/// <summary>
/// A day writer that also records how many after-hours prints were skipped per symbol
/// (the importer knows; the plain <see cref="IDayWriter"/> contract does not carry it).
/// </summary>
public interface ISkipCountingDayWriter : IDayWriter
{
    /// <summary>As <see cref="IDayWriter.WriteSymbol"/>, with the symbol's skipped after-hours count for the index.</summary>
    void WriteSymbol(SymbolCode symbol, ReadOnlySpan<TickEvent> events, int skippedAfterHours);
}

/// <summary>
/// Writes tick day files (<see cref="TickFileFormat"/>) into a store directory, one file per date.
/// Each day is written to <c>.tmp-&lt;date&gt;-&lt;random&gt;</c>, fsynced and renamed over
/// <c>YYYY-MM-DD.tick</c> on commit, so readers see either the old day or the whole new one.
/// </summary>
public sealed class TickStoreWriter : IMarketDataSink
{
    /// <summary>Rows a column block aims for: large enough to amortize per-block work, small enough to verify lazily.</summary>
    public const int DefaultBlockRows = 1 << 16;

    private readonly string _directory;
    private readonly int _blockRows;
    private DateOnly? _lastDate;

    public TickStoreWriter(string directory) : this(directory, DefaultBlockRows) { }

    /// <summary>With a custom block size (tests use small blocks to exercise many of them).</summary>
    public TickStoreWriter(string directory, int blockRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockRows, 1);
        _directory = directory;
        _blockRows = blockRows;
    }

    /// <inheritdoc cref="IMarketDataSink.BeginDay"/>
    public TickDayWriter BeginDay(DateOnly date, ReferenceSchema schema, IReadOnlyList<DailyReference> references)
    {
        if (_lastDate is { } last && date <= last) throw new ArgumentException($"days must be written in ascending order: {date:yyyy-MM-dd} after {last:yyyy-MM-dd}");
        _lastDate = date;
        Directory.CreateDirectory(_directory); // here, not before: an import refused before its first day leaves no empty store behind
        return new TickDayWriter(_directory, date, schema, references, _blockRows);
    }

    IDayWriter IMarketDataSink.BeginDay(DateOnly date, ReferenceSchema schema, IReadOnlyList<DailyReference> references) =>
        BeginDay(date, schema, references);

    public void Dispose() { }
}

/// <summary>One day being written to a temp file; see <see cref="TickStoreWriter"/>.</summary>
public sealed class TickDayWriter : ISkipCountingDayWriter, ChannelLoss.IWriter
{
    private readonly DateOnly _date;
    private readonly ReferenceSchema _schema;
    private readonly IReadOnlyList<DailyReference> _references;
    private readonly int _blockRows;
    private readonly string _finalPath;
    private readonly string _tempPath;
    private readonly FileStream _file;
    private readonly List<IndexEntry> _index = [];
    private readonly List<BlockEntry> _blocks = [];
    private long[] _seq, _price, _volume, _buyId, _sellId;
    private int[] _time;
    private byte[] _kind, _side, _type;
    private int _buffered;
    private long _rows, _trades, _orders, _gaps, _skipped;
    private int _nextReference;
    private int _lastSymbol = int.MinValue;
    private bool _committed, _disposed;
    private IReadOnlyList<ChannelLoss> _channelLosses = [];

    internal TickDayWriter(string directory, DateOnly date, ReferenceSchema schema, IReadOnlyList<DailyReference> references, int blockRows)
    {
        for (int i = 0; i < references.Count; i++)
        {
            if (references[i].Date != date) throw new ArgumentException($"reference row for {references[i].Symbol} is dated {references[i].Date:yyyy-MM-dd}, the day is {date:yyyy-MM-dd}");
            if (i > 0 && references[i].Symbol.Value <= references[i - 1].Symbol.Value)
                throw new ArgumentException($"reference rows must be sorted by symbol without duplicates ({references[i].Symbol} after {references[i - 1].Symbol})");
        }
        _date = date;
        _schema = schema;
        _references = references;
        _blockRows = blockRows;
        _finalPath = Path.Combine(directory, TickFileFormat.FileName(date));
        _tempPath = Path.Combine(directory, $"{TickFileFormat.TempPrefix}{date:yyyy-MM-dd}-{Guid.NewGuid():N}");
        _file = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 1 << 20);
        _file.Write(new byte[TickFileFormat.HeaderSize]); // the real header is written last, once the sections are known
        int capacity = Math.Min(blockRows, 1 << 12);
        _seq = new long[capacity]; _price = new long[capacity]; _volume = new long[capacity];
        _buyId = new long[capacity]; _sellId = new long[capacity];
        _time = new int[capacity]; _kind = new byte[capacity]; _side = new byte[capacity]; _type = new byte[capacity];
    }

    /// <summary>The temp file being written (tests use it to simulate a killed writer).</summary>
    public string TempPath => _tempPath;

    public void WriteSymbol(SymbolCode symbol, ReadOnlySpan<TickEvent> events) => WriteSymbol(symbol, events, 0);

    public void WriteSymbol(SymbolCode symbol, ReadOnlySpan<TickEvent> events, int skippedAfterHours)
    {
        ObjectDisposedException.ThrowIf(_disposed || _committed, this);
        if (symbol.Value <= _lastSymbol) throw new ArgumentException($"symbols must be written in ascending order, each once: {symbol} after {new SymbolCode(_lastSymbol)}");
        ArgumentOutOfRangeException.ThrowIfNegative(skippedAfterHours);
        int trades = 0;
        for (int i = 0; i < events.Length; i++)
        {
            ref readonly var e = ref events[i];
            if (e.Symbol != symbol.Value) throw new ArgumentException($"{symbol}: event {i} belongs to {new SymbolCode(e.Symbol)}");
            if (e.Kind is not (TickKind.Trade or TickKind.Order)) throw new ArgumentException($"{symbol}: event {i} has no kind");
            if (i > 0 && e.Seq <= events[i - 1].Seq) throw new ArgumentException($"{symbol}: seq must increase strictly ({e.Seq} after {events[i - 1].Seq})");
            if (e.Kind == TickKind.Trade) trades++;
        }
        _lastSymbol = symbol.Value;
        EmitReferenceOnlySymbolsBelow(symbol.Value);
        if (_nextReference < _references.Count && _references[_nextReference].Symbol == symbol) _nextReference++;

        if (_buffered > 0 && _buffered + events.Length > _blockRows) FlushBlock();
        int block = events.Length == 0 ? -1 : _blocks.Count;
        Append(events);
        int gaps = SeqGaps.Count(events);
        _index.Add(new IndexEntry(symbol.Value, block, _rows, events.Length, trades, events.Length - trades, gaps, skippedAfterHours));
        _rows += events.Length; _trades += trades; _orders += events.Length - trades; _gaps += gaps; _skipped += skippedAfterHours;
        if (_buffered >= _blockRows) FlushBlock();
    }

    /// <inheritdoc/>
    public void SetChannelLosses(IReadOnlyList<ChannelLoss> losses) => _channelLosses = losses;

    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed || _committed, this);
        if (_buffered > 0) FlushBlock();
        EmitReferenceOnlySymbolsBelow(int.MaxValue);

        var schema = WriteSection(TickFileFormat.SchemaBytes(_schema.WeightColumns, _schema.PresentOptional));
        var indexBytes = new byte[_index.Count * TickFileFormat.IndexEntrySize];
        for (int i = 0; i < _index.Count; i++) _index[i].Write(indexBytes.AsSpan(i * TickFileFormat.IndexEntrySize));
        var index = WriteSection(indexBytes);
        var references = WriteSection(ReferenceCodec.Encode(_references, _schema.WeightColumns.Length));
        var blockBytes = new byte[_blocks.Count * TickFileFormat.BlockEntrySize];
        for (int i = 0; i < _blocks.Count; i++) _blocks[i].Write(blockBytes.AsSpan(i * TickFileFormat.BlockEntrySize));
        var blocks = WriteSection(blockBytes);
        var losses = _channelLosses.Count > 0 ? WriteSection(ChannelLossCodec.Encode(_channelLosses)) : default;

        var header = new TickFileHeader(_date.DayNumber, _index.Count, _blocks.Count, _references.Count,
            _rows, _trades, _orders, _gaps, _skipped, _file.Position, schema, index, references, blocks,
            TickFileFormat.SymbolSetCrc(_index.Select(e => e.Symbol)), losses);
        var headerBytes = new byte[TickFileFormat.HeaderSize];
        header.Write(headerBytes);
        _file.Position = 0;
        _file.Write(headerBytes);
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        // rename(2) replaces the final name atomically: a reader opens the old day or the new one, never a mix.
        File.Move(_tempPath, _finalPath, overwrite: true);
        _committed = true;
    }

    /// <summary>Without <see cref="Commit"/>, discards the temp file: the day never becomes visible.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_committed) return;
        _file.Dispose();
        File.Delete(_tempPath);
    }

    private void EmitReferenceOnlySymbolsBelow(int symbol)
    {
        for (; _nextReference < _references.Count && _references[_nextReference].Symbol.Value < symbol; _nextReference++)
            _index.Add(new IndexEntry(_references[_nextReference].Symbol.Value, -1, _rows, 0, 0, 0, 0, 0));
    }

    private void Append(ReadOnlySpan<TickEvent> events)
    {
        int need = _buffered + events.Length;
        if (need > _seq.Length) Grow(Math.Max(need, _seq.Length * 2));
        int at = _buffered;
        for (int i = 0; i < events.Length; i++, at++)
        {
            ref readonly var e = ref events[i];
            _seq[at] = e.Seq; _price[at] = e.Price; _volume[at] = e.Volume;
            _buyId[at] = e.BuyOrderId; _sellId[at] = e.SellOrderId; _time[at] = e.Time;
            _kind[at] = (byte)e.Kind; _side[at] = e.Side; _type[at] = e.Type;
        }
        _buffered = need;
    }

    private void Grow(int capacity)
    {
        Array.Resize(ref _seq, capacity); Array.Resize(ref _price, capacity); Array.Resize(ref _volume, capacity);
        Array.Resize(ref _buyId, capacity); Array.Resize(ref _sellId, capacity); Array.Resize(ref _time, capacity);
        Array.Resize(ref _kind, capacity); Array.Resize(ref _side, capacity); Array.Resize(ref _type, capacity);
    }

    private void FlushBlock()
    {
        int n = _buffered;
        long offset = _file.Position;
        uint crc = 0;
        crc = WriteColumn(crc, _seq.AsSpan(0, n));
        crc = WriteColumn(crc, _price.AsSpan(0, n));
        crc = WriteColumn(crc, _volume.AsSpan(0, n));
        crc = WriteColumn(crc, _buyId.AsSpan(0, n));
        crc = WriteColumn(crc, _sellId.AsSpan(0, n));
        crc = WriteColumn(crc, _time.AsSpan(0, n));
        crc = WriteColumn(crc, _kind.AsSpan(0, n));
        crc = WriteColumn(crc, _side.AsSpan(0, n));
        crc = WriteColumn(crc, _type.AsSpan(0, n));
        Span<byte> padding = stackalloc byte[8];
        padding.Clear();
        var pad = padding[..(int)(TickFileFormat.BlockBytes(n) - (long)n * TickFileFormat.BytesPerRow)];
        crc = Crc32C.Append(crc, pad);
        _file.Write(pad);
        _blocks.Add(new BlockEntry(offset, _rows - n, n, crc)); // _rows already counts the buffered rows
        _buffered = 0;
    }

    private uint WriteColumn<T>(uint crc, ReadOnlySpan<T> column) where T : unmanaged
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(column);
        _file.Write(bytes);
        return Crc32C.Append(crc, bytes);
    }

    private SectionRef WriteSection(byte[] bytes)
    {
        var section = new SectionRef(_file.Position, bytes.Length, Crc32C.Compute(bytes));
        _file.Write(bytes);
        return section;
    }
}
