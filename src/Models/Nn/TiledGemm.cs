using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sig.Models.Nn;

/// <summary>
/// A register-tiled GEMM on 512-bit vectors for the recurrent layers' gate projections:
/// out[i, :] = bias + Σₚ A[i, p]·W[p, :] for eight rows i at a time. Every output element is
/// accumulated exactly as <see cref="Kernels.Gemv"/> accumulates it — start at the bias, one fused
/// multiply-add per p in ascending p — so the values are bit-identical to Gemv's; only the loop
/// nesting differs: each weight vector loaded once serves eight rows (Gemv loads it once per row).
/// Rows are never split, so partitioning rows over threads cannot change a bit.
/// </summary>
internal static class TiledGemm
{
    /// <summary>Floats per vector.</summary>
    public const int Width = 16;

    /// <summary>Rows per tile.</summary>
    public const int Rows = 8;

    /// <summary>Whether the CPU runs 512-bit vectors natively (otherwise callers take their per-row path).</summary>
    public static bool Supported => Vector512.IsHardwareAccelerated;

    /// <summary>
    /// For the eight rows whose inputs start at <paramref name="a"/>[aRows[i]] (k values each) and whose
    /// outputs start at <paramref name="o"/>[oRows[i]]: output vector v (W's columns 16v…16v+15) goes to
    /// o[oRows[i] + vectorOffsets[v]]. W is row-major [k, 16·vectorOffsets.Length].
    /// </summary>
    public static void Run(ReadOnlySpan<float> a, ReadOnlySpan<int> aRows, int k, ReadOnlySpan<float> w, ReadOnlySpan<float> bias,
        Span<float> o, ReadOnlySpan<int> oRows, ReadOnlySpan<int> vectorOffsets)
    {
        int nv = vectorOffsets.Length, ldw = nv * Width;
        if (aRows.Length != Rows || oRows.Length != Rows) throw new ArgumentException("a tile has eight rows");
        if (w.Length < k * ldw || bias.Length < ldw) throw new ArgumentException("weights or bias shorter than the tile");
        foreach (var r in aRows) if (r < 0 || r + k > a.Length) throw new ArgumentOutOfRangeException(nameof(aRows));
        foreach (var r in oRows)
            foreach (var v in vectorOffsets)
                if (r + v < 0 || r + v + Width > o.Length) throw new ArgumentOutOfRangeException(nameof(oRows));
        int c = 0;
        for (; c + 2 <= nv; c += 2) Tile2(a, aRows, k, w, ldw, c * Width, bias, o, oRows, vectorOffsets[c], vectorOffsets[c + 1]);
        if (c < nv) Tile1(a, aRows, k, w, ldw, c * Width, bias, o, oRows, vectorOffsets[c]);
    }

    // Eight rows × two vectors: sixteen accumulators, two weight vectors and a broadcast fit in the 32 vector registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile2(ReadOnlySpan<float> a, ReadOnlySpan<int> aRows, int k, ReadOnlySpan<float> w, int ldw, int col,
        ReadOnlySpan<float> bias, Span<float> o, ReadOnlySpan<int> oRows, int off0, int off1)
    {
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float a0 = ref Unsafe.Add(ref ar, aRows[0]), a1 = ref Unsafe.Add(ref ar, aRows[1]);
        ref float a2 = ref Unsafe.Add(ref ar, aRows[2]), a3 = ref Unsafe.Add(ref ar, aRows[3]);
        ref float a4 = ref Unsafe.Add(ref ar, aRows[4]), a5 = ref Unsafe.Add(ref ar, aRows[5]);
        ref float a6 = ref Unsafe.Add(ref ar, aRows[6]), a7 = ref Unsafe.Add(ref ar, aRows[7]);
        ref float wr = ref Unsafe.Add(ref MemoryMarshal.GetReference(w), col);
        ref float br = ref Unsafe.Add(ref MemoryMarshal.GetReference(bias), col);
        var b0 = Vector512.LoadUnsafe(ref br);
        var b1 = Vector512.LoadUnsafe(ref br, Width);
        Vector512<float> c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
        Vector512<float> c40 = b0, c41 = b1, c50 = b0, c51 = b1, c60 = b0, c61 = b1, c70 = b0, c71 = b1;
        for (int p = 0; p < k; p++)
        {
            ref float wp = ref Unsafe.Add(ref wr, p * ldw);
            var w0 = Vector512.LoadUnsafe(ref wp);
            var w1 = Vector512.LoadUnsafe(ref wp, Width);
            var x = Vector512.Create(Unsafe.Add(ref a0, p));
            c00 = Vector512.FusedMultiplyAdd(x, w0, c00); c01 = Vector512.FusedMultiplyAdd(x, w1, c01);
            x = Vector512.Create(Unsafe.Add(ref a1, p));
            c10 = Vector512.FusedMultiplyAdd(x, w0, c10); c11 = Vector512.FusedMultiplyAdd(x, w1, c11);
            x = Vector512.Create(Unsafe.Add(ref a2, p));
            c20 = Vector512.FusedMultiplyAdd(x, w0, c20); c21 = Vector512.FusedMultiplyAdd(x, w1, c21);
            x = Vector512.Create(Unsafe.Add(ref a3, p));
            c30 = Vector512.FusedMultiplyAdd(x, w0, c30); c31 = Vector512.FusedMultiplyAdd(x, w1, c31);
            x = Vector512.Create(Unsafe.Add(ref a4, p));
            c40 = Vector512.FusedMultiplyAdd(x, w0, c40); c41 = Vector512.FusedMultiplyAdd(x, w1, c41);
            x = Vector512.Create(Unsafe.Add(ref a5, p));
            c50 = Vector512.FusedMultiplyAdd(x, w0, c50); c51 = Vector512.FusedMultiplyAdd(x, w1, c51);
            x = Vector512.Create(Unsafe.Add(ref a6, p));
            c60 = Vector512.FusedMultiplyAdd(x, w0, c60); c61 = Vector512.FusedMultiplyAdd(x, w1, c61);
            x = Vector512.Create(Unsafe.Add(ref a7, p));
            c70 = Vector512.FusedMultiplyAdd(x, w0, c70); c71 = Vector512.FusedMultiplyAdd(x, w1, c71);
        }
        ref float or = ref MemoryMarshal.GetReference(o);
        Store(c00, c01, ref Unsafe.Add(ref or, oRows[0]), off0, off1);
        Store(c10, c11, ref Unsafe.Add(ref or, oRows[1]), off0, off1);
        Store(c20, c21, ref Unsafe.Add(ref or, oRows[2]), off0, off1);
        Store(c30, c31, ref Unsafe.Add(ref or, oRows[3]), off0, off1);
        Store(c40, c41, ref Unsafe.Add(ref or, oRows[4]), off0, off1);
        Store(c50, c51, ref Unsafe.Add(ref or, oRows[5]), off0, off1);
        Store(c60, c61, ref Unsafe.Add(ref or, oRows[6]), off0, off1);
        Store(c70, c71, ref Unsafe.Add(ref or, oRows[7]), off0, off1);
    }

    private static void Store(Vector512<float> v0, Vector512<float> v1, ref float row, int off0, int off1)
    {
        v0.StoreUnsafe(ref row, (nuint)off0);
        v1.StoreUnsafe(ref row, (nuint)off1);
    }

    // The odd vector of a row (e.g. the third gate when a gate is one vector wide): eight rows × one vector.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile1(ReadOnlySpan<float> a, ReadOnlySpan<int> aRows, int k, ReadOnlySpan<float> w, int ldw, int col,
        ReadOnlySpan<float> bias, Span<float> o, ReadOnlySpan<int> oRows, int off0)
    {
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float wr = ref Unsafe.Add(ref MemoryMarshal.GetReference(w), col);
        var b0 = Vector512.LoadUnsafe(ref Unsafe.Add(ref MemoryMarshal.GetReference(bias), col));
        ref float or = ref MemoryMarshal.GetReference(o);
        for (int i = 0; i < Rows; i += 4)
        {
            ref float a0 = ref Unsafe.Add(ref ar, aRows[i]), a1 = ref Unsafe.Add(ref ar, aRows[i + 1]);
            ref float a2 = ref Unsafe.Add(ref ar, aRows[i + 2]), a3 = ref Unsafe.Add(ref ar, aRows[i + 3]);
            Vector512<float> c0 = b0, c1 = b0, c2 = b0, c3 = b0;
            for (int p = 0; p < k; p++)
            {
                var w0 = Vector512.LoadUnsafe(ref wr, (nuint)(p * ldw));
                c0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a0, p)), w0, c0);
                c1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a1, p)), w0, c1);
                c2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a2, p)), w0, c2);
                c3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a3, p)), w0, c3);
            }
            c0.StoreUnsafe(ref or, (nuint)(oRows[i] + off0));
            c1.StoreUnsafe(ref or, (nuint)(oRows[i + 1] + off0));
            c2.StoreUnsafe(ref or, (nuint)(oRows[i + 2] + off0));
            c3.StoreUnsafe(ref or, (nuint)(oRows[i + 3] + off0));
        }
    }
}
