namespace Sig.Replay.Generator;

/// <summary>
/// Arguments of one synthetic market: its size, calendar and seed. The same settings always
/// produce byte-identical events and reference rows (docs/generator.md).
/// </summary>
public sealed record GeneratorSettings
{
    /// <summary>Number of symbols in the universe (listed, to-be-listed and delisted ones together).</summary>
    public int Stocks { get; init; } = 50;
    /// <summary>Number of weekdays from <see cref="Start"/> on, before removing <see cref="Holidays"/>.</summary>
    public int Days { get; init; } = 30;
    public DateOnly Start { get; init; } = new(2024, 1, 2);
    public ulong Seed { get; init; } = 42;
    /// <summary>Mean number of events (trades and orders) per stock-day; the spread across stocks is heavily skewed.</summary>
    public int EventsPerStockDay { get; init; } = 4000;
    /// <summary>"sz": cancels as exec_type C trade rows; "sh": D order rows; "both": by the symbol's exchange.</summary>
    public string CancelStyle { get; init; } = "both";
    /// <summary>Weekdays that are not trading days.</summary>
    public DateOnly[] Holidays { get; init; } = [];
}
