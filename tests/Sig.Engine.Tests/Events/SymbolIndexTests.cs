using Sig.Engine.Events;
using Xunit;

namespace Sig.Engine.Tests.Events;

public sealed class SymbolIndexTests
{
    [Fact]
    public void Every_symbol_maps_to_its_position_and_anything_else_to_minus_one()
    {
        var rng = new Random(5);
        var universe = Enumerable.Range(0, 3000).Select(_ => SymbolCode.FromParts(rng.Next(0, 1_000_000), rng.Next(3) switch { 0 => "BJ", 1 => "SH", _ => "SZ" }))
            .Distinct().Order().ToArray();
        var index = new SymbolIndex(universe);
        Assert.Equal(universe.Length, index.Count);
        for (int i = 0; i < universe.Length; i++) Assert.Equal(i, index.IndexOf(universe[i].Value));
        var known = universe.Select(s => s.Value).ToHashSet();
        for (int k = 0; k < 20_000; k++)
        {
            int v = rng.Next(-10, 4_100_000);
            Assert.Equal(known.Contains(v) ? Array.BinarySearch(universe, new SymbolCode(v)) : -1, index.IndexOf(v));
        }
        Assert.Equal(-1, index.IndexOf(int.MinValue));
        Assert.Equal(-1, index.IndexOf(int.MaxValue));
        Assert.Equal(-1, SymbolIndex.Empty.IndexOf(universe[0].Value));
        Assert.Throws<ArgumentException>(() => new SymbolIndex([universe[1], universe[0]]));
    }
}
