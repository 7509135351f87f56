namespace Sig.Models.Data;

/// <summary>A batch of sequences [n, t, f] stored row-major (sample, then time step, then feature).</summary>
public sealed class SequenceTensor
{
    public SequenceTensor(int n, int t, int f, float[] data)
    {
        if (n < 0 || t <= 0 || f <= 0) throw new ArgumentException($"sequence tensor shape [{n}, {t}, {f}] is invalid");
        if (data.Length != n * t * f) throw new ArgumentException($"sequence tensor [{n}, {t}, {f}] needs {n * t * f} values, got {data.Length}");
        N = n; T = t; F = f; Data = data;
    }

    public int N { get; }
    public int T { get; }
    public int F { get; }
    public float[] Data { get; }

    /// <summary>Samples [start, start + count) as a new tensor.</summary>
    public SequenceTensor Slice(int start, int count) =>
        new(count, T, F, Data.AsSpan(start * T * F, count * T * F).ToArray());
}

/// <summary>
/// One date's cross-section for a model: the symbols (in a fixed order), one input tensor per
/// input frequency (HF: one [n, 40, 27]; LF: daily, weekly, monthly; AlphaNet: one [n, 30, 15]),
/// the labels (NaN when unknown, e.g. scoring days) and optional style exposures [n, s].
/// An adapter from the feature store fills these; the models never read the store themselves.
/// </summary>
public sealed class CrossSection
{
    public CrossSection(DateOnly date, string[] symbols, IReadOnlyList<SequenceTensor> inputs, float[]? labels = null, float[]? styles = null, int styleCount = 0)
    {
        int n = symbols.Length;
        if (inputs.Count == 0) throw new ArgumentException($"{date:yyyy-MM-dd}: a cross-section needs at least one input tensor");
        foreach (var x in inputs)
            if (x.N != n) throw new ArgumentException($"{date:yyyy-MM-dd}: input has {x.N} samples for {n} symbols");
        if (labels is not null && labels.Length != n) throw new ArgumentException($"{date:yyyy-MM-dd}: {labels.Length} labels for {n} symbols");
        if (styles is not null && styles.Length != n * styleCount) throw new ArgumentException($"{date:yyyy-MM-dd}: {styles.Length} style values for {n}×{styleCount}");
        Date = date; Symbols = symbols; Inputs = inputs; Labels = labels ?? Enumerable.Repeat(float.NaN, n).ToArray();
        Styles = styles; StyleCount = styles is null ? 0 : styleCount;
    }

    public DateOnly Date { get; }
    public string[] Symbols { get; }
    public IReadOnlyList<SequenceTensor> Inputs { get; }
    public float[] Labels { get; }
    public float[]? Styles { get; }
    public int StyleCount { get; }
    public int Count => Symbols.Length;

    /// <summary>Samples [start, start + count) (consecutive in symbol order).</summary>
    public CrossSection Slice(int start, int count) => new(
        Date, Symbols[start..(start + count)], Inputs.Select(x => x.Slice(start, count)).ToArray(),
        Labels[start..(start + count)], Styles?[(start * StyleCount)..((start + count) * StyleCount)], StyleCount);

    /// <summary>Consecutive, near-equal chunks of at most <paramref name="maxBatch"/> samples (one chunk when it fits).</summary>
    public IEnumerable<CrossSection> Chunks(int maxBatch)
    {
        if (Count <= maxBatch) { yield return this; yield break; }
        int parts = (Count + maxBatch - 1) / maxBatch;
        for (int k = 0, at = 0; k < parts; k++)
        {
            int len = Count / parts + (k < Count % parts ? 1 : 0);
            yield return Slice(at, len);
            at += len;
        }
    }
}
