namespace Sig.Models.Training;

/// <summary>Cross-sectional statistics used for validation, fusion and reports (double, sample order).</summary>
public static class Metrics
{
    /// <summary>Pearson IC over the samples whose label is finite; NaN with fewer than 3.</summary>
    public static double Ic(ReadOnlySpan<float> score, ReadOnlySpan<float> label)
    {
        var (s, l) = Finite(score, label);
        return s.Length < 3 ? double.NaN : Nn.Losses.Corr(s, l);
    }

    /// <summary>Spearman rank IC (average ranks for ties) over finite labels; NaN with fewer than 3.</summary>
    public static double RankIc(ReadOnlySpan<float> score, ReadOnlySpan<float> label)
    {
        var (s, l) = Finite(score, label);
        return s.Length < 3 ? double.NaN : Nn.Losses.Corr(Ranks(s), Ranks(l));
    }

    /// <summary>Cross-sectional z-score (population std); all zeros when the std is 0.</summary>
    public static float[] ZScore(ReadOnlySpan<float> v)
    {
        int n = v.Length;
        double m = 0, ss = 0;
        for (int i = 0; i < n; i++) m += v[i];
        m /= n;
        for (int i = 0; i < n; i++) ss += (v[i] - m) * (v[i] - m);
        double sd = Math.Sqrt(ss / n);
        var z = new float[n];
        if (sd > 0) for (int i = 0; i < n; i++) z[i] = (float)((v[i] - m) / sd);
        return z;
    }

    private static (float[] S, float[] L) Finite(ReadOnlySpan<float> score, ReadOnlySpan<float> label)
    {
        var s = new List<float>(); var l = new List<float>();
        for (int i = 0; i < score.Length; i++)
            if (float.IsFinite(label[i]) && float.IsFinite(score[i])) { s.Add(score[i]); l.Add(label[i]); }
        return (s.ToArray(), l.ToArray());
    }

    private static float[] Ranks(float[] v)
    {
        var order = Enumerable.Range(0, v.Length).OrderBy(i => v[i]).ThenBy(i => i).ToArray();
        var r = new float[v.Length];
        for (int a = 0; a < order.Length;)
        {
            int b = a;
            while (b + 1 < order.Length && v[order[b + 1]] == v[order[a]]) b++;
            float avg = (a + b) / 2f + 1f;
            for (int k = a; k <= b; k++) r[order[k]] = avg;
            a = b + 1;
        }
        return r;
    }
}

/// <summary>Ensembles and the HF/LF fusion.</summary>
public static class Scores
{
    /// <summary>The mean of several models' scores of one cross-section.</summary>
    public static float[] Mean(IReadOnlyList<float[]> scores)
    {
        if (scores.Count == 0) throw new ArgumentException("no scores to average");
        int n = scores[0].Length;
        var m = new float[n];
        for (int i = 0; i < n; i++)
        {
            double acc = 0;
            foreach (var s in scores) acc += s[i];
            m[i] = (float)(acc / scores.Count);
        }
        return m;
    }

    /// <summary>full = (wHf·z(HF) + wLf·z(LF)) / (wHf + wLf), default 1:3.</summary>
    public static float[] Fuse(ReadOnlySpan<float> hf, ReadOnlySpan<float> lf, double wHf = 1, double wLf = 3)
    {
        if (hf.Length != lf.Length) throw new ArgumentException($"fusion of {hf.Length} HF and {lf.Length} LF scores");
        var zh = Metrics.ZScore(hf); var zl = Metrics.ZScore(lf);
        var f = new float[hf.Length];
        for (int i = 0; i < f.Length; i++) f[i] = (float)((wHf * zh[i] + wLf * zl[i]) / (wHf + wLf));
        return f;
    }
}
