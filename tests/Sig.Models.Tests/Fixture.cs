using System.Text.Json;
using Xunit;

namespace Sig.Models.Tests;

/// <summary>A golden fixture written by tools/reference/make_fixtures.py (PyTorch).</summary>
internal sealed class Fixture
{
    private readonly Dictionary<string, (int[] Shape, float[] Data)> _tensors = new(StringComparer.Ordinal);

    public JsonElement Meta { get; private init; }

    public static Fixture Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", name + ".json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var fx = new Fixture { Meta = doc.RootElement.GetProperty("meta").Clone() };
        foreach (var t in doc.RootElement.GetProperty("tensors").EnumerateObject())
        {
            var shape = t.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var data = t.Value.GetProperty("data").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
            fx._tensors[t.Name] = (shape, data);
        }
        return fx;
    }

    public float[] this[string key] => _tensors.TryGetValue(key, out var t) ? t.Data.ToArray() : throw new KeyNotFoundException($"fixture has no tensor '{key}'");

    public int[] Shape(string key) => _tensors[key].Shape;

    public IEnumerable<string> Keys(string prefix) => _tensors.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    public float Lr => (float)Meta.GetProperty("lr").GetDouble();

    /// <summary>Sets each parameter from "param.&lt;name&gt;" (names relative to the module).</summary>
    public void LoadParams(IEnumerable<Sig.Models.Nn.Parameter> ps, string prefix = "param.")
    {
        foreach (var p in ps)
        {
            var v = this[prefix + p.Name];
            Assert.Equal(p.Size, v.Length);
            v.CopyTo(p.Value, 0);
        }
    }

    /// <summary>Passes when every value is within 1e-6 absolute or 1e-5 relative of the reference.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, double abs = 1e-6, double rel = 1e-5)
    {
        Assert.True(expected.Length <= actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i], d = Math.Abs(a - e);
            Assert.True(d <= abs || d <= rel * Math.Abs(e), $"{what}[{i}]: {a:R} vs PyTorch {e:R} (diff {d:E2})");
        }
    }

    public void Close(string key, ReadOnlySpan<float> actual) => Close(this[key], actual, key);
}
