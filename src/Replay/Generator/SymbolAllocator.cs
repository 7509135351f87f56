using Sig.Engine.Events;

namespace Sig.Replay.Generator;

/// <summary>
/// Picks distinct symbol codes across four boards so every price-limit regime appears: SZ main
/// board (000001–003999, ±10%), ChiNext (300001–301999, ±20%), SH main board (600000–605999,
/// ±10%) and STAR (688001–689999, ±20%). Codes within a board are spread with random gaps.
/// </summary>
public static class SymbolAllocator
{
    private static readonly (int First, int Last, string Exchange, double Share)[] Boards =
    [
        (1, 3999, "SZ", 0.40),
        (300001, 301999, "SZ", 0.15),
        (600000, 605999, "SH", 0.35),
        (688001, 689999, "SH", 0.10),
    ];

    /// <summary>Returns <paramref name="count"/> distinct symbols in ascending order.</summary>
    public static SymbolCode[] Allocate(int count, ref DeterministicRng rng)
    {
        var boardOf = new int[count];
        var perBoard = new int[Boards.Length];
        for (int i = 0; i < count; i++)
        {
            double u = rng.NextDouble(), acc = 0;
            int b = 0;
            while (b < Boards.Length - 1 && u >= (acc += Boards[b].Share)) b++;
            boardOf[i] = b;
            perBoard[b]++;
        }
        var symbols = new List<SymbolCode>(count);
        for (int b = 0; b < Boards.Length; b++)
        {
            var (first, last, exchange, _) = Boards[b];
            int range = last - first + 1;
            if (perBoard[b] > range) throw new ArgumentException($"at most about {range} symbols fit the {first:D6}.{exchange} board");
            // Gaps average range/count so the codes spread over the board without running out.
            int maxGap = Math.Max(1, 2 * (range - perBoard[b]) / Math.Max(1, perBoard[b]));
            int code = first;
            for (int k = 0; k < perBoard[b]; k++)
            {
                int remaining = perBoard[b] - k - 1;
                symbols.Add(SymbolCode.FromParts(code, exchange));
                int room = last - code - remaining; // the gap must leave one code per remaining symbol
                code += 1 + Math.Min(rng.NextInt(maxGap), Math.Max(0, room - 1));
            }
        }
        symbols.Sort();
        return [.. symbols];
    }
}
