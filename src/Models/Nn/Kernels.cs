using System.Numerics;
using System.Runtime.InteropServices;

namespace Sig.Models.Nn;

/// <summary>
/// Small dense kernels over padded rows (row length a multiple of the SIMD width, padding zero),
/// each with one fixed summation order.
/// </summary>
internal static class Kernels
{
    public static readonly int Width = Vector<float>.Count;

    /// <summary><paramref name="n"/> rounded up to a multiple of the SIMD width.</summary>
    public static int Pad(int n) => (n + Width - 1) / Width * Width;

    /// <summary>y[0..ld) = init[0..ld) + Σₚ x[p]·W[p, 0..ld), W row-major with row length ld (a multiple of the SIMD width).</summary>
    public static void Gemv(ReadOnlySpan<float> x, ReadOnlySpan<float> w, int ld, ReadOnlySpan<float> init, Span<float> y)
    {
        int k = x.Length;
        var wv = MemoryMarshal.Cast<float, Vector<float>>(w);
        var iv = MemoryMarshal.Cast<float, Vector<float>>(init[..ld]);
        var yv = MemoryMarshal.Cast<float, Vector<float>>(y[..ld]);
        int lv = ld / Width;
        int c = 0;
        // Eight independent accumulators keep the FMA units busy (throughput- rather than latency-bound).
        for (; c + 8 <= lv; c += 8)
        {
            Vector<float> a0 = iv[c], a1 = iv[c + 1], a2 = iv[c + 2], a3 = iv[c + 3];
            Vector<float> a4 = iv[c + 4], a5 = iv[c + 5], a6 = iv[c + 6], a7 = iv[c + 7];
            for (int p = 0, at = c; p < k; p++, at += lv)
            {
                var b = new Vector<float>(x[p]);
                var row = wv.Slice(at, 8);
                a0 = Vector.FusedMultiplyAdd(b, row[0], a0);
                a1 = Vector.FusedMultiplyAdd(b, row[1], a1);
                a2 = Vector.FusedMultiplyAdd(b, row[2], a2);
                a3 = Vector.FusedMultiplyAdd(b, row[3], a3);
                a4 = Vector.FusedMultiplyAdd(b, row[4], a4);
                a5 = Vector.FusedMultiplyAdd(b, row[5], a5);
                a6 = Vector.FusedMultiplyAdd(b, row[6], a6);
                a7 = Vector.FusedMultiplyAdd(b, row[7], a7);
            }
            yv[c] = a0; yv[c + 1] = a1; yv[c + 2] = a2; yv[c + 3] = a3;
            yv[c + 4] = a4; yv[c + 5] = a5; yv[c + 6] = a6; yv[c + 7] = a7;
        }
        for (; c + 4 <= lv; c += 4)
        {
            Vector<float> a0 = iv[c], a1 = iv[c + 1], a2 = iv[c + 2], a3 = iv[c + 3];
            for (int p = 0, at = c; p < k; p++, at += lv)
            {
                var b = new Vector<float>(x[p]);
                a0 = Vector.FusedMultiplyAdd(b, wv[at], a0);
                a1 = Vector.FusedMultiplyAdd(b, wv[at + 1], a1);
                a2 = Vector.FusedMultiplyAdd(b, wv[at + 2], a2);
                a3 = Vector.FusedMultiplyAdd(b, wv[at + 3], a3);
            }
            yv[c] = a0; yv[c + 1] = a1; yv[c + 2] = a2; yv[c + 3] = a3;
        }
        for (; c < lv; c++)
        {
            Vector<float> a0 = iv[c];
            for (int p = 0, at = c; p < k; p++, at += lv)
                a0 = Vector.FusedMultiplyAdd(new Vector<float>(x[p]), wv[at], a0);
            yv[c] = a0;
        }
    }

    /// <summary>W[p, 0..ld) += u[p]·v[0..ld) for every p (a rank-1 update of a padded matrix).</summary>
    public static void Rank1(ReadOnlySpan<float> u, ReadOnlySpan<float> v, int ld, Span<float> w)
    {
        var vv = MemoryMarshal.Cast<float, Vector<float>>(v[..ld]);
        var wv = MemoryMarshal.Cast<float, Vector<float>>(w);
        int lv = ld / Width;
        for (int p = 0, at = 0; p < u.Length; p++, at += lv)
        {
            float a = u[p];
            if (a == 0f) continue;
            var b = new Vector<float>(a);
            for (int c = 0; c < lv; c++) wv[at + c] = Vector.FusedMultiplyAdd(b, vv[c], wv[at + c]);
        }
    }

    /// <summary>y[0..n) += x[0..n) (n a multiple of the SIMD width).</summary>
    public static void AddInPlace(ReadOnlySpan<float> x, Span<float> y)
    {
        var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        var yv = MemoryMarshal.Cast<float, Vector<float>>(y[..x.Length]);
        for (int i = 0; i < xv.Length; i++) yv[i] += xv[i];
    }

    /// <summary>Copies a rows×cols row-major matrix into a zero-padded layout with row length ld.</summary>
    public static void PadRows(ReadOnlySpan<float> src, int rows, int cols, int ld, Span<float> dst)
    {
        dst.Clear();
        for (int r = 0; r < rows; r++) src.Slice(r * cols, cols).CopyTo(dst.Slice(r * ld, cols));
    }

    /// <summary>Writes the transpose of a rows×cols matrix into a zero-padded cols×ld layout.</summary>
    public static void TransposePadded(ReadOnlySpan<float> src, int rows, int cols, int ld, Span<float> dst)
    {
        dst.Clear();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) dst[c * ld + r] = src[r * cols + c];
    }

    /// <summary>grad[r, c] += padded[c, r] for a rows×cols gradient accumulated transposed (cols×ld).</summary>
    public static void AddTransposed(ReadOnlySpan<float> padded, int rows, int cols, int ld, Span<float> grad)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) grad[r * cols + c] += padded[c * ld + r];
    }

    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>Sums block partials (each of length n) in block order into <paramref name="total"/>.</summary>
    public static void SumBlocks(float[][] partials, int blocks, Span<float> total)
    {
        total.Clear();
        for (int b = 0; b < blocks; b++) AddInPlace(partials[b].AsSpan(0, total.Length), total);
    }
}
