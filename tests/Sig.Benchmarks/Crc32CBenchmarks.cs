using BenchmarkDotNet.Attributes;
using Sig.Engine.Hashing;

namespace Sig.Benchmarks;

/// <summary>
/// CRC-32C of one tick-store read (256 KiB of random bytes): the path the CPU takes
/// (<see cref="Crc32C.Update"/>: folded on 512-bit vectors where it has VPCLMULQDQ), the three
/// CRC32-instruction lanes alone, and a journal-record-sized input (under the folding minimum).
/// </summary>
public class Crc32CBenchmarks
{
    private readonly byte[] _block = new byte[256 * 1024];
    private readonly byte[] _record = new byte[300];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        rng.NextBytes(_block);
        rng.NextBytes(_record);
    }

    /// <summary>A store block's read, as the store verifies it.</summary>
    [Benchmark(Baseline = true)]
    public uint Block() => Crc32C.Update(~0u, _block);

    /// <summary>The same read through the three CRC32 lanes only.</summary>
    [Benchmark]
    public uint BlockWithoutFolding() => Crc32C.UpdateWithoutFolding(~0u, _block);

    /// <summary>A journal record's size: below the folding minimum, the instruction path.</summary>
    [Benchmark]
    public uint Record() => Crc32C.Update(~0u, _record);
}
