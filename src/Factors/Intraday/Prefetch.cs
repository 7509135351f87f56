using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Sig.Factors.Intraday;

/// <summary>
/// Software prefetch hints for loops that visit many objects which are not in the cache (the
/// shard's evaluation, one symbol after another). A hint only: the address of an object is read
/// without pinning it, so a collection may move the object before the hint is issued, and then
/// the hint loads some other line — harmless, as a prefetch never faults and never changes a value.
/// A no-op where SSE is not available.
/// </summary>
internal static class Prefetch
{
    private const int Line = 64;

    /// <summary>Offset of an array's length from its address (the word after the method table pointer).</summary>
    internal const int LengthOffset = 8;

    /// <summary>Brings the first <paramref name="bytes"/> of <paramref name="o"/> (from its header) towards L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Object(object? o, int bytes)
    {
        if (!Sse.IsSupported || o is null) return;
        byte* p = (byte*)Unsafe.As<object, nint>(ref o);
        // Objects are 8-byte aligned: the last line may start past p + k·64.
        for (int k = 0; k < bytes; k += Line) Sse.Prefetch0(p + k);
        Sse.Prefetch0(p + bytes - 1);
    }

    /// <summary>Brings element <paramref name="index"/> of <paramref name="array"/> towards L1 (no bounds check: a hint).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Element<T>(T[]? array, int index)
    {
        if (!Sse.IsSupported || array is null) return;
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), (nint)index)));
    }

    /// <summary>
    /// Brings element <paramref name="index"/> of <paramref name="array"/> towards L1 whole: its
    /// first and its last byte (array data starts 16 bytes past an 8-byte aligned header, so an
    /// element of 64 bytes lies across two lines). No bounds check: a hint.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void WholeElement<T>(T[]? array, int index) where T : struct
    {
        if (!Sse.IsSupported || array is null) return;
        byte* p = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), (nint)index));
        Sse.Prefetch0(p);
        Sse.Prefetch0(p + Unsafe.SizeOf<T>() - 1);
    }

    /// <summary>
    /// Brings the line holding <paramref name="array"/>'s length towards L1: every bounds-checked
    /// read of an element loads it first, and it is not the element's line unless the index is small.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Length(Array? array)
    {
        if (!Sse.IsSupported || array is null) return;
        Sse.Prefetch0((byte*)Unsafe.As<Array, nint>(ref array) + LengthOffset);
    }

    /// <summary>Brings the line holding <paramref name="value"/> towards L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void At<T>(ref readonly T value)
    {
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.AsRef(in value)));
    }
}
