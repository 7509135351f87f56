using System.IO.Compression;
using System.Text;
using Sig.Engine.Events;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Engine.Text;

namespace Sig.Replay.Csv;

/// <summary>
/// Writes the canonical trades.csv, orders.csv and reference.csv (docs/events-and-sessions.md) into a directory,
/// optionally gzip-compressed (<c>.csv.gz</c>), days appended one after another into the same
/// three files. The files are created anew by the constructor. Rows come out sorted by symbol
/// then seq within each day, because the sink contract delivers them that way. A day's rows go
/// to temp files first and are appended on <see cref="IDayWriter.Commit"/>. The three files
/// themselves are written under temporary names and renamed into place when the writer is
/// disposed after every day it began was committed; a day disposed without commit (a failed
/// export or generation) discards the whole set, so a failure never leaves partial or
/// header-only files behind (and leaves files of an earlier run untouched).
/// </summary>
public sealed class CanonicalCsvWriter : IMarketDataSink
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly string _directory;
    private readonly StreamWriter _trades, _orders, _reference;
    private readonly AtomicFile[] _files;
    private string[]? _referenceHeader;
    private DateOnly? _lastDate;
    private bool _dayOpen, _abandoned, _disposed;

    public CanonicalCsvWriter(string directory, bool gzip = false)
    {
        Directory.CreateDirectory(directory);
        _directory = directory;
        string ext = gzip ? ".csv.gz" : ".csv";
        TradesPath = Path.Combine(directory, "trades" + ext);
        OrdersPath = Path.Combine(directory, "orders" + ext);
        ReferencePath = Path.Combine(directory, "reference" + ext);
        _files = [new AtomicFile(TradesPath), new AtomicFile(OrdersPath), new AtomicFile(ReferencePath)];
        _trades = Open(_files[0].TempPath, gzip);
        _orders = Open(_files[1].TempPath, gzip);
        _reference = Open(_files[2].TempPath, gzip);
        _trades.Write(CanonicalRows.TradeHeader + "\n");
        _orders.Write(CanonicalRows.OrderHeader + "\n");
    }

    public string TradesPath { get; }
    public string OrdersPath { get; }
    public string ReferencePath { get; }

    public IDayWriter BeginDay(DateOnly date, ReferenceSchema schema, IReadOnlyList<DailyReference> references)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_dayOpen) throw new InvalidOperationException("the previous day is still open");
        if (_lastDate is { } last && date <= last) throw new ArgumentException($"days must be written in ascending order: {date:yyyy-MM-dd} after {last:yyyy-MM-dd}");
        if (_referenceHeader is null)
        {
            _referenceHeader = schema.Header;
            _reference.Write(string.Join(',', schema.Header) + "\n");
        }
        else if (!_referenceHeader.AsSpan().SequenceEqual(schema.Header))
            throw new ArgumentException($"{date:yyyy-MM-dd}: reference columns '{string.Join(',', schema.Header)}' differ from the file's '{string.Join(',', _referenceHeader)}'");
        _lastDate = date;
        _dayOpen = true;
        return new DayWriter(this, date, schema, references);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // A file set with no day still gets a valid reference header.
        if (_referenceHeader is null && !_abandoned) _reference.Write(string.Join(',', ReferenceSchema.RequiredColumns) + "\n");
        _trades.Dispose();
        _orders.Dispose();
        _reference.Dispose();
        foreach (var f in _files)
        {
            if (!_abandoned) f.Commit();
            f.Dispose();
        }
    }

    private static StreamWriter Open(string path, bool gzip)
    {
        Stream s = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        if (gzip) s = new GZipStream(s, CompressionLevel.Fastest);
        return new StreamWriter(s, Utf8, 1 << 16);
    }

    /// <summary>One day: trade and order rows into temp files, appended to the outputs on commit.</summary>
    private sealed class DayWriter : IDayWriter
    {
        private readonly CanonicalCsvWriter _owner;
        private readonly DateOnly _date;
        private readonly ReferenceSchema _schema;
        private readonly IReadOnlyList<DailyReference> _references;
        private readonly string _tradesTemp, _ordersTemp;
        private readonly StreamWriter _trades, _orders;
        private int _lastSymbol = int.MinValue;
        private bool _done;

        public DayWriter(CanonicalCsvWriter owner, DateOnly date, ReferenceSchema schema, IReadOnlyList<DailyReference> references)
        {
            _owner = owner; _date = date; _schema = schema; _references = references;
            string id = Guid.NewGuid().ToString("N");
            _tradesTemp = Path.Combine(owner._directory, $".tmp-trades-{id}.csv");
            _ordersTemp = Path.Combine(owner._directory, $".tmp-orders-{id}.csv");
            _trades = new StreamWriter(_tradesTemp, false, Utf8, 1 << 16);
            _orders = new StreamWriter(_ordersTemp, false, Utf8, 1 << 16);
        }

        public void WriteSymbol(SymbolCode symbol, ReadOnlySpan<TickEvent> events)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            if (symbol.Value <= _lastSymbol) throw new ArgumentException($"symbols must be written in ascending order, each once: {symbol} after {new SymbolCode(_lastSymbol)}");
            _lastSymbol = symbol.Value;
            foreach (ref readonly var e in events)
            {
                if (e.Kind == TickKind.Trade) { _trades.Write(CanonicalRows.FormatTrade(_date, e)); _trades.Write('\n'); }
                else { _orders.Write(CanonicalRows.FormatOrder(_date, e)); _orders.Write('\n'); }
            }
        }

        public void Commit()
        {
            ObjectDisposedException.ThrowIf(_done, this);
            var lines = _references.Select(r => ReferenceLayout.FormatRow(r, _schema)).ToList(); // validates before anything is appended
            _trades.Dispose();
            _orders.Dispose();
            Append(_tradesTemp, _owner._trades);
            Append(_ordersTemp, _owner._orders);
            foreach (var line in lines) { _owner._reference.Write(line); _owner._reference.Write('\n'); }
            _owner._reference.Flush();
            Finish();
        }

        public void Dispose()
        {
            if (_done) return;
            _trades.Dispose();
            _orders.Dispose();
            _owner._abandoned = true;
            Finish();
        }

        private static void Append(string temp, StreamWriter output)
        {
            output.Flush();
            using var input = File.OpenRead(temp);
            input.CopyTo(output.BaseStream);
        }

        private void Finish()
        {
            _done = true;
            File.Delete(_tradesTemp);
            File.Delete(_ordersTemp);
            _owner._dayOpen = false;
        }
    }
}
