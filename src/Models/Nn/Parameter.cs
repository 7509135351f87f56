namespace Sig.Models.Nn;

/// <summary>What a state entry is: a trained weight, a running statistic, or an integer counter.</summary>
public enum StateKind
{
    Weight,
    Buffer,
    Counter,
}

/// <summary>
/// One named entry of a network's state, stored flat in PyTorch's row-major layout under its
/// PyTorch <c>state_dict</c> name. Weights carry a gradient of the same size; buffers and counters do not.
/// </summary>
public sealed class Parameter
{
    public Parameter(string name, int[] shape, StateKind kind = StateKind.Weight)
    {
        Name = name;
        Shape = shape;
        Kind = kind;
        int size = 1;
        foreach (var d in shape) size *= d;
        Value = new float[size];
        Grad = kind == StateKind.Weight ? new float[size] : [];
    }

    public string Name { get; }
    public int[] Shape { get; }
    public StateKind Kind { get; }
    public float[] Value { get; }
    public float[] Grad { get; }
    public int Size => Value.Length;

    /// <summary>A copy under a prefixed name (e.g. "gru." + "weight_ih_l0") sharing the same arrays.</summary>
    internal Parameter(Parameter inner, string prefix)
    {
        Name = prefix + inner.Name;
        Shape = inner.Shape;
        Kind = inner.Kind;
        Value = inner.Value;
        Grad = inner.Grad;
    }

    public Parameter WithPrefix(string prefix) => new(this, prefix);
}

/// <summary>Helpers over a network's parameter list.</summary>
public static class Parameters
{
    /// <summary>Sets every weight gradient to zero (before a backward pass).</summary>
    public static void ZeroGrad(IEnumerable<Parameter> ps)
    {
        foreach (var p in ps) Array.Clear(p.Grad);
    }

    /// <summary>U(−bound, bound) for every element, in order, from <paramref name="rng"/>.</summary>
    public static void Uniform(Parameter p, float bound, SeededRandom rng)
    {
        for (int i = 0; i < p.Value.Length; i++) p.Value[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
    }

    /// <summary>Copies all values (weights, buffers, counters) from <paramref name="from"/>; shapes must match.</summary>
    public static void CopyValues(IReadOnlyList<Parameter> to, IReadOnlyList<Parameter> from)
    {
        if (to.Count != from.Count) throw new ArgumentException("parameter lists differ in length");
        for (int i = 0; i < to.Count; i++)
        {
            if (to[i].Size != from[i].Size) throw new ArgumentException($"parameter {to[i].Name}: size {to[i].Size} ≠ {from[i].Size}");
            from[i].Value.CopyTo(to[i].Value, 0);
        }
    }
}
