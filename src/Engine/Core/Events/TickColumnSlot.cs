using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sig.Engine.Events;

/// <summary>
/// Up to <see cref="Capacity"/> consecutive events of one symbol held as raw columns, in the tick
/// store's column order and widths — seq, price, volume, buy id, sell id (i64 each), time (i32),
/// kind, side, type (u8 each) — laid out column after column in a caller's byte span: 47 bytes a
/// row instead of a <see cref="TickEvent"/>'s 56, and a store can read each column into it as is
/// (one positioned read per column, no transposing copy). The symbol is not stored: it is the
/// slot's owner's, and <see cref="CopyTo"/> stamps it on the events it writes. With the span
/// 8-byte aligned, every column is aligned to its width.
/// </summary>
public readonly ref struct TickColumnSlot
{
    /// <summary>Bytes a row takes across the nine columns.</summary>
    public const int BytesPerRow = 5 * sizeof(long) + sizeof(int) + 3;

    private readonly Span<byte> _bytes;

    /// <summary>A slot of <paramref name="capacity"/> rows over the first <see cref="BytesFor"/>(capacity) bytes of <paramref name="bytes"/>.</summary>
    public TickColumnSlot(Span<byte> bytes, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        if (bytes.Length < BytesFor(capacity)) throw new ArgumentException($"a slot of {capacity} rows needs {BytesFor(capacity)} bytes, the span has {bytes.Length}", nameof(bytes));
        _bytes = bytes;
        Capacity = capacity;
    }

    /// <summary>Rows each column holds.</summary>
    public int Capacity { get; }

    /// <summary>Bytes a slot of <paramref name="capacity"/> rows takes, rounded up to 8 so slots placed back to back stay aligned.</summary>
    public static int BytesFor(int capacity) => checked(capacity * BytesPerRow + 7) & ~7;

    /// <summary>The most rows a slot of <paramref name="bytes"/> bytes holds.</summary>
    public static int CapacityFor(int bytes) => Math.Max(0, bytes) / BytesPerRow;

    public Span<long> Seq => Column<long>(0);
    public Span<long> Price => Column<long>(8);
    public Span<long> Volume => Column<long>(16);
    public Span<long> BuyOrderId => Column<long>(24);
    public Span<long> SellOrderId => Column<long>(32);
    public Span<int> Time => Column<int>(40);
    /// <summary><see cref="TickKind"/> values.</summary>
    public Span<byte> Kind => Column<byte>(44);
    public Span<byte> Side => Column<byte>(45);
    public Span<byte> Type => Column<byte>(46);

    // A column starts at (bytes per row before it) × capacity.
    private Span<T> Column<T>(int bytesBefore) where T : unmanaged =>
        MemoryMarshal.Cast<byte, T>(_bytes.Slice(bytesBefore * Capacity, Unsafe.SizeOf<T>() * Capacity));

    /// <summary>Stores <paramref name="e"/> as row <paramref name="row"/> (its symbol is not kept).</summary>
    public void Write(int row, in TickEvent e)
    {
        Seq[row] = e.Seq; Price[row] = e.Price; Volume[row] = e.Volume;
        BuyOrderId[row] = e.BuyOrderId; SellOrderId[row] = e.SellOrderId;
        Time[row] = e.Time; Kind[row] = (byte)e.Kind; Side[row] = e.Side; Type[row] = e.Type;
    }

    /// <summary>
    /// How many of the rows from <paramref name="from"/> on, at most <paramref name="limit"/>, are stamped
    /// before <paramref name="close"/> in a row (a symbol's rows are in time order within a minute's cut:
    /// the first row at or after the close ends the run).
    /// </summary>
    public int CountBefore(int from, int limit, int close)
    {
        var time = Time.Slice(from, limit);
        int k = 0;
        while (k < time.Length && time[k] < close) k++;
        return k;
    }

    /// <summary>Writes rows [<paramref name="from"/>, from + destination.Length) into <paramref name="destination"/> as events of <paramref name="symbol"/>.</summary>
    public void CopyTo(int from, int symbol, Span<TickEvent> destination)
    {
        int n = destination.Length;
        if ((uint)from > (uint)Capacity || n > Capacity - from) throw new ArgumentOutOfRangeException(nameof(from), $"rows {from}..{from + n} of a {Capacity}-row slot");
        if (n == 0) return;
        // One pass over the nine column streams (bounds checked once above, so the loop reads through refs).
        ref long seq = ref Unsafe.Add(ref MemoryMarshal.GetReference(Seq), from);
        ref long price = ref Unsafe.Add(ref MemoryMarshal.GetReference(Price), from);
        ref long volume = ref Unsafe.Add(ref MemoryMarshal.GetReference(Volume), from);
        ref long buy = ref Unsafe.Add(ref MemoryMarshal.GetReference(BuyOrderId), from);
        ref long sell = ref Unsafe.Add(ref MemoryMarshal.GetReference(SellOrderId), from);
        ref int time = ref Unsafe.Add(ref MemoryMarshal.GetReference(Time), from);
        ref byte kind = ref Unsafe.Add(ref MemoryMarshal.GetReference(Kind), from);
        ref byte side = ref Unsafe.Add(ref MemoryMarshal.GetReference(Side), from);
        ref byte type = ref Unsafe.Add(ref MemoryMarshal.GetReference(Type), from);
        ref TickEvent into = ref MemoryMarshal.GetReference(destination);
        for (int k = 0; k < n; k++)
        {
            ref var e = ref Unsafe.Add(ref into, k);
            e.Seq = Unsafe.Add(ref seq, k);
            e.Price = Unsafe.Add(ref price, k);
            e.Volume = Unsafe.Add(ref volume, k);
            e.BuyOrderId = Unsafe.Add(ref buy, k);
            e.SellOrderId = Unsafe.Add(ref sell, k);
            e.Symbol = symbol;
            e.Time = Unsafe.Add(ref time, k);
            e.Kind = (TickKind)Unsafe.Add(ref kind, k);
            e.Side = Unsafe.Add(ref side, k);
            e.Type = Unsafe.Add(ref type, k);
        }
    }
}
