using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Sig.Engine.Output;
using Sig.Factors;

namespace Sig.Factors.Output;

/// <summary>
/// Writes the `factors.snapshot` / `factors.daily` payload (docs/nats.md) of one stream of
/// minutes into one reused buffer, keeping the text of every cell (symbol i, factor f) of the
/// last payload it wrote keyed by the value's bits: a cell whose bits did not change since the
/// previous minute (a quiet symbol's event factors, a NaN-free factor that a symbol's events
/// did not move, every cell of the daily payload after the minute-240 snapshot) is copied, not
/// formatted again. The text is a function of the bits alone, so a stale cell (another symbol
/// at that position after a change of universe, a factor that depends on the minute) simply
/// does not match and is formatted afresh: the bytes are those of
/// <see cref="FactorPayloads.Snapshot"/> in every case. Not thread-safe: one writer per stage
/// (the batcher owns one).
/// </summary>
public sealed class SnapshotPayloadWriter
{
    // One cell's text: RoundTripDouble.MaxLength rounded up, so a cached text is copied in one block.
    private const int Slot = 32;
    // Bits that no finite double has (a NaN): marks a cell with no cached text.
    private const ulong NoText = 0x7FF8_DEAD_BEEF_0001UL;

    private static readonly byte[] FactorList = Encoding.ASCII.GetBytes(
        "\"factors\":[" + string.Join(",", FactorCatalog.Names.Select(n => $"\"{n}\"")) + "],\"values\":[");

    private byte[] _buffer = [];
    private ulong[] _bits = [];
    private byte[] _text = [];
    private byte[] _length = [];

    /// <summary>Cells whose text was copied from the previous payload (counted for tests and benchmarks).</summary>
    public long CellsReused { get; private set; }

    /// <summary>Finite cells whose text was formatted.</summary>
    public long CellsFormatted { get; private set; }

    /// <summary>The payload of <paramref name="s"/> (with <paramref name="daily"/>: the `factors.daily` form); a new array of exactly its bytes.</summary>
    public byte[] Write(FactorSnapshot s, bool daily = false)
    {
        long bound = Bound(s.Symbols.Length);
        if (_buffer.Length < bound) _buffer = new byte[Math.Max(bound, 2L * _buffer.Length)];
        int at = WriteInto(s, daily, _buffer);
        // Every byte is written by the copy, so the (large-object) array is not zeroed first.
        var payload = GC.AllocateUninitializedArray<byte>(at);
        _buffer.AsSpan(0, at).CopyTo(payload);
        return payload;
    }

    /// <summary>
    /// The payload of <paramref name="s"/> written straight into an array rented from
    /// <paramref name="pool"/> (no copy): the caller's minute owns it until it is released.
    /// </summary>
    public OutputPayload Write(FactorSnapshot s, bool daily, MinuteBufferPool<byte> pool)
    {
        var array = pool.Rent((int)Bound(s.Symbols.Length));
        return new OutputPayload(array, WriteInto(s, daily, array), pool);
    }

    /// <summary>
    /// The value rows of <paramref name="part"/> — <c>[v,…],[v,…]</c> for its symbols, the text a
    /// payload holds between its factor list and its end — in an array rented from
    /// <paramref name="pool"/> (null: an array of exactly its bytes). A shard writes its part's rows
    /// on its own thread and the batcher only joins the parts' texts (<see cref="Assemble"/>); the
    /// cell cache is this writer's, so a shard keeps one writer for its stream of parts.
    /// </summary>
    public OutputPayload WriteRows(FactorSnapshot part, MinuteBufferPool<byte>? pool)
    {
        long bound = RowsBound(part.Symbols.Length);
        if (bound > Array.MaxLength) throw new InvalidOperationException($"the rows of {part.Symbols.Length} symbols are too large for one payload");
        if (pool is not null)
        {
            var array = pool.Rent((int)bound);
            return new OutputPayload(array, WriteRowsInto(part, array), pool);
        }
        if (_buffer.Length < bound) _buffer = new byte[Math.Max(bound, 2L * _buffer.Length)];
        return new OutputPayload(_buffer.AsSpan(0, WriteRowsInto(part, _buffer)).ToArray());
    }

    /// <summary>
    /// The payload of <paramref name="joined"/> (with <paramref name="daily"/>: the `factors.daily`
    /// form) from the value rows of its parts (<see cref="WriteRows"/>), given in the order their
    /// symbols follow one another in <paramref name="joined"/>: the bytes <see cref="Write(FactorSnapshot, bool)"/>
    /// writes. In an array rented from <paramref name="pool"/> (null: an array of exactly its bytes).
    /// </summary>
    public static OutputPayload Assemble(FactorSnapshot joined, bool daily, IReadOnlyList<OutputPayload> rows, MinuteBufferPool<byte>? pool)
    {
        long bound = Bound(joined.Symbols.Length), text = 0;
        foreach (var r in rows) text += r.Length + 1;
        if (text > RowsBound(joined.Symbols.Length)) throw new ArgumentException("the parts' rows are longer than the joined symbols' rows can be", nameof(rows));
        var array = pool?.Rent((int)bound) ?? GC.AllocateUninitializedArray<byte>((int)bound);
        var span = array.AsSpan();
        int at = FactorPayloads.WriteSnapshotHead(joined, daily, span);
        FactorList.CopyTo(span[at..]);
        at += FactorList.Length;
        bool first = true;
        foreach (var r in rows)
        {
            if (r.Length == 0) continue; // a part without symbols
            if (!first) span[at++] = (byte)',';
            first = false;
            r.Span.CopyTo(span[at..]);
            at += r.Length;
        }
        "]}"u8.CopyTo(span[at..]);
        at += 2;
        return pool is null ? new OutputPayload(array.AsSpan(0, at).ToArray()) : new OutputPayload(array, at, pool);
    }

    // Room for the payload of n symbols with every number at its longest, plus a whole slot past the last.
    private static long Bound(int n)
    {
        long bound = 192L + FactorList.Length + n * 12L + RowsBound(n);
        if (bound > Array.MaxLength) throw new InvalidOperationException($"a snapshot of {n} symbols is too large for one payload");
        return bound;
    }

    // Room for the value rows of n symbols with every number at its longest, plus a whole slot past the last.
    private static long RowsBound(int n) => n * (3L + FactorCatalog.Count * (long)Slot) + Slot;

    // Writes the payload into span (at least Bound(n) bytes); returns its length.
    private int WriteInto(FactorSnapshot s, bool daily, Span<byte> span)
    {
        int at = FactorPayloads.WriteSnapshotHead(s, daily, span);
        FactorList.CopyTo(span[at..]);
        at += FactorList.Length;
        at += WriteRowsInto(s, span[at..]);
        "]}"u8.CopyTo(span[at..]);
        return at + 2;
    }

    // Writes the value rows of s into span (at least RowsBound(n) bytes, checked once); returns their
    // length. The cells are written through refs without bounds checks and a cached text is copied as
    // one 32-byte block: at 135,000 cells a minute the checks and the copy's call were a third of the
    // writer's own time.
    private int WriteRowsInto(FactorSnapshot s, Span<byte> span)
    {
        int n = s.Symbols.Length;
        int cells = n * FactorCatalog.Count;
        if (span.Length < RowsBound(n)) throw new ArgumentException($"{span.Length} bytes are too few for the rows of {n} symbols", nameof(span));
        var values = s.Values;
        if (values.Length < cells) throw new ArgumentException($"{values.Length} values for {n} symbols' rows", nameof(s));
        if (_bits.Length < cells)
        {
            int size = Math.Max(cells, 2 * _bits.Length);
            _bits = new ulong[size];
            Array.Fill(_bits, NoText);
            _text = new byte[(long)size * Slot];
            _length = new byte[size];
        }
        ref byte dest = ref MemoryMarshal.GetReference(span);
        ref double value = ref MemoryMarshal.GetArrayDataReference(values);
        ref ulong cachedBits = ref MemoryMarshal.GetArrayDataReference(_bits);
        ref byte cachedText = ref MemoryMarshal.GetArrayDataReference(_text);
        ref byte cachedLength = ref MemoryMarshal.GetArrayDataReference(_length);
        nint at = 0;
        long reused = 0, formatted = 0;
        for (int i = 0; i < n; i++)
        {
            if (i > 0) Unsafe.Add(ref dest, at++) = (byte)',';
            Unsafe.Add(ref dest, at++) = (byte)'[';
            int c0 = i * FactorCatalog.Count;
            for (int f = 0; f < FactorCatalog.Count; f++)
            {
                if (f > 0) Unsafe.Add(ref dest, at++) = (byte)',';
                nint c = c0 + f;
                double d = Unsafe.Add(ref value, c);
                if (!double.IsFinite(d))
                {
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref dest, at), 0x6C6C_756EU); // "null"
                    at += 4;
                    continue;
                }
                ulong bits = BitConverter.DoubleToUInt64Bits(d);
                ref byte text = ref Unsafe.Add(ref cachedText, c * Slot);
                if (Unsafe.Add(ref cachedBits, c) == bits) reused++;
                else
                {
                    Unsafe.Add(ref cachedLength, c) = (byte)RoundTripDouble.Write(d, MemoryMarshal.CreateSpan(ref text, Slot));
                    Unsafe.Add(ref cachedBits, c) = bits;
                    formatted++;
                }
                // The whole slot: the bound leaves room, the next write overwrites the tail.
                Unsafe.CopyBlockUnaligned(ref Unsafe.Add(ref dest, at), ref text, Slot);
                at += Unsafe.Add(ref cachedLength, c);
            }
            Unsafe.Add(ref dest, at++) = (byte)']';
        }
        CellsReused += reused;
        CellsFormatted += formatted;
        return (int)at;
    }
}
