using System.Numerics.Tensors;

namespace Sig.Models.Nn;

/// <summary>
/// GRU inference over sub-blocks of 16 samples with gate-planar buffers, bit for bit what
/// <see cref="Gru.Forward"/> gives:
/// <list type="bullet">
/// <item>the input projection of every time step at once (X[16·T × in]·Wᵢₕᵀ), then per step the
/// recurrent projection (H[16 × H]·Wₕₕᵀ), both through <see cref="TiledGemm"/>, whose per-element
/// accumulation order is Gemv's;</item>
/// <item>gates laid out [gate][sample][H′] (H′ = H padded to 16), so each gate non-linearity is one
/// <see cref="TensorPrimitives"/> call over all 16 samples — the same element-wise functions the
/// training forward calls per sample, on the same vector path (every span ≥ 16 floats on both sides,
/// which is why <see cref="Applies"/> asks for H ≥ 16).</item>
/// </list>
/// Padding lanes carry zeros (or, for a non-finite input, garbage no real lane ever reads); a partial
/// sub-block repeats its last sample's input and discards those rows.
/// </summary>
internal sealed class GruBatchInference
{
    public const int SubBlock = 16;

    private readonly RecurrentWeights _w;
    private readonly int _in, _h, _hp, _cols, _plane;
    private readonly float[] _wIh, _wHh, _bIh, _bHh;
    private readonly int[] _vectorOffsets;

    [ThreadStatic] private static float[]? t_scratch;

    public GruBatchInference(RecurrentWeights w)
    {
        _w = w;
        _in = w.InputSize; _h = w.HiddenSize;
        _hp = (_h + TiledGemm.Width - 1) / TiledGemm.Width * TiledGemm.Width;
        _cols = 3 * _hp;
        _plane = SubBlock * _hp;
        _wIh = new float[_in * _cols]; _wHh = new float[_h * _cols];
        _bIh = new float[_cols]; _bHh = new float[_cols];
        int perGate = _hp / TiledGemm.Width;
        _vectorOffsets = [.. Enumerable.Range(0, 3 * perGate).Select(v => v / perGate * _plane + v % perGate * TiledGemm.Width)];
    }

    /// <summary>Whether this path applies: 512-bit vectors in hardware and a hidden size of at least 16 (see the class remarks).</summary>
    public static bool Applies(int hiddenSize) => TiledGemm.Supported && hiddenSize >= TiledGemm.Width;

    /// <summary>Refreshes the gate-padded, transposed copies of the weights (before each inference).</summary>
    public void Prepare()
    {
        Transpose(_w.WeightIh.Value, _in, _wIh);
        Transpose(_w.WeightHh.Value, _h, _wHh);
        for (int g = 0; g < 3; g++)
        {
            _w.BiasIh.Value.AsSpan(g * _h, _h).CopyTo(_bIh.AsSpan(g * _hp));
            _w.BiasHh.Value.AsSpan(g * _h, _h).CopyTo(_bHh.AsSpan(g * _hp));
        }
    }

    // W [3H, k] → [k, 3H′] with gate g's row j at column g·H′ + j; padding columns stay zero.
    private void Transpose(float[] w, int k, float[] dst)
    {
        for (int g = 0; g < 3; g++)
            for (int j = 0; j < _h; j++)
                for (int p = 0; p < k; p++) dst[p * _cols + g * _hp + j] = w[(g * _h + j) * k + p];
    }

    /// <summary>Last hidden states of samples [s0, s1) of x [n, t, in] into output [n, H].</summary>
    public void Run(float[] x, int t, int s0, int s1, float[] output)
    {
        int plane = _plane, size = (3 * t + 5) * plane;
        var scratch = t_scratch is { } s && s.Length >= size ? s : t_scratch = new float[size];
        var gi = scratch.AsSpan(0, 3 * t * plane);
        var gh = scratch.AsSpan(3 * t * plane, 3 * plane);
        var h = scratch.AsSpan(3 * (t + 1) * plane, plane);
        var hn = scratch.AsSpan((3 * t + 4) * plane, plane);
        Span<int> aRows = stackalloc int[TiledGemm.Rows], oRows = stackalloc int[TiledGemm.Rows];
        for (int b0 = s0; b0 < s1; b0 += SubBlock)
        {
            int count = Math.Min(SubBlock, s1 - b0);
            for (int step = 0; step < t; step++)
                for (int r0 = 0; r0 < SubBlock; r0 += TiledGemm.Rows)
                {
                    for (int i = 0; i < TiledGemm.Rows; i++)
                    {
                        int row = r0 + i, sample = b0 + Math.Min(row, count - 1);
                        aRows[i] = (sample * t + step) * _in;
                        oRows[i] = (step * 3 * SubBlock + row) * _hp;
                    }
                    TiledGemm.Run(x, aRows, _in, _wIh, _bIh, gi, oRows, _vectorOffsets);
                }
            h.Clear();
            for (int step = 0; step < t; step++)
            {
                for (int r0 = 0; r0 < SubBlock; r0 += TiledGemm.Rows)
                {
                    for (int i = 0; i < TiledGemm.Rows; i++) aRows[i] = oRows[i] = (r0 + i) * _hp;
                    TiledGemm.Run(h, aRows, _h, _wHh, _bHh, gh, oRows, _vectorOffsets);
                }
                // The training forward's element-wise step, over the 16 samples' gate planes at once.
                Gru.CellUpdate(gi.Slice(step * 3 * plane, 3 * plane), gh, h, hn, plane);
                var swap = h; h = hn; hn = swap;
            }
            for (int i = 0; i < count; i++) h.Slice(i * _hp, _h).CopyTo(output.AsSpan((b0 + i) * _h, _h));
        }
    }
}
