using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>The open-addressing order map against a Dictionary on dense, sparse and colliding keys.</summary>
public class OrderIdMapTests
{
    [Theory]
    [InlineData(1, 1L)]            // dense ids (SZ ApplSeqNum-like)
    [InlineData(2, 1L << 20)]      // sparse, strided ids
    [InlineData(3, 1L << 40)]      // high bits only
    public void Agrees_with_a_dictionary_through_growth_and_copy(int seed, long stride)
    {
        var rng = new Random(seed);
        var map = new OrderIdMap(4);
        var reference = new Dictionary<long, int>();
        for (int i = 0; i < 20_000; i++)
        {
            long key = 1 + rng.Next(0, 8000) * stride;
            map.Set(key, i);
            reference[key] = i;
        }
        Assert.Equal(reference.Count, map.Count);
        var copy = new OrderIdMap();
        map.CopyTo(copy);
        map.Set(long.MaxValue, -1);
        foreach (var (key, value) in reference)
        {
            Assert.True(copy.TryGetValue(key, out int v));
            Assert.Equal(value, v);
        }
        Assert.False(copy.TryGetValue(long.MaxValue, out _));
        Assert.True(map.TryGetValue(long.MaxValue, out int last) && last == -1);
        Assert.False(map.TryGetValue(2 + 8000 * stride, out _));
        map.Clear();
        Assert.Equal(0, map.Count);
        Assert.False(map.TryGetValue(1, out _));
    }

    [Fact]
    public void Refuses_keys_that_collide_with_the_empty_marker() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new OrderIdMap().Set(0, 1));
}
