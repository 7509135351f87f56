using Sig.Engine.Config;
using Sig.Factors.Daily;
using Sig.Engine.Events;

namespace Sig.Factors.Compute;

/// <summary>Big-order parameters the factor evaluation needs, in the units of the state.</summary>
public readonly record struct FactorSettings(double StdMultiple, long MinAmountTicks)
{
    public static FactorSettings From(BigOrderOptions o) =>
        new(o.StdMultiple, (long)Math.Ceiling(o.MinAmount * 10000.0));
}

/// <summary>
/// A compute backend: where the intraday state lives and the 27 factors are evaluated (SIMD CPU,
/// GPU). It owns the state of each shard (<see cref="IShardFactorState"/>): event batches go
/// in, and as of each closed minute the rows of the symbols whose values changed come out, so
/// a device backend can keep the state resident and move only what is new. The contract every
/// backend meets is stated in docs/factor-core.md; the CPU backend is the reference.
/// </summary>
public interface IComputeBackend : IDisposable
{
    /// <summary>Name recorded in run manifests ("cpu", …).</summary>
    string Name { get; }

    /// <summary>Lanes of the backend's vector unit for doubles (recorded in run manifests).</summary>
    int VectorWidth { get; }

    /// <summary>The device and its driver/runtime version (run manifests); null for the CPU backend.</summary>
    string? Device => null;

    /// <summary>Whether its shard states can record every minute of a day read symbol by symbol (<see cref="IShardFactorState.RecordMinutes"/>).</summary>
    bool RecordsMinutes => false;

    /// <summary>A fresh, empty state for one shard's symbols; call <see cref="IShardFactorState.BeginDay"/> before use.</summary>
    IShardFactorState CreateShard(FactorSettings settings, BigOrderSizing sizing);
}

/// <summary>
/// The backend-owned intraday state of one shard: a dense, ascending set of symbols (index i is
/// the i-th symbol of the day). Called from one thread at a time.
/// </summary>
public interface IShardFactorState
{
    /// <summary>Symbols of the current day.</summary>
    int SymbolCount { get; }

    /// <summary>Forgets the previous day; the new day's symbols, ascending (index = position).</summary>
    void BeginDay(ReadOnlySpan<SymbolCode> symbols);

    /// <summary>
    /// <see cref="BeginDay"/> for a day whose events come symbol by symbol, whole days, every symbol
    /// completed (<see cref="CompleteDay"/>) before the day's clocks: a backend may then make a symbol's
    /// state when its first event comes, instead of every symbol's now, since only the symbols in
    /// progress need one. Everything it answers is as after <see cref="BeginDay"/> (the default).
    /// </summary>
    void BeginDayBySymbol(ReadOnlySpan<SymbolCode> symbols) => BeginDay(symbols);

    /// <summary>
    /// Until the next <see cref="BeginDay"/>, only the close will be evaluated (daily outputs; call it
    /// after <see cref="BeginDay"/>): the backend may skip what it keeps only to make the evaluation of
    /// earlier minutes cheap. A perf hint: evaluating any minute must stay correct.
    /// </summary>
    void ExpectCloseOnly() { }

    /// <summary>
    /// From now on (copies included) this state may share its minute evaluation with the other
    /// shards of <paramref name="board"/>, as its slot <paramref name="slot"/>: their threads, idle
    /// after their own steps, may run chunks of it (<see cref="EvaluationHelpBoard"/>). The rows must
    /// be the same whichever thread evaluates a symbol. A backend that cannot split its evaluation
    /// ignores it (the default).
    /// </summary>
    void ShareEvaluation(EvaluationHelpBoard board, int slot) { }

    /// <summary>
    /// Applies a batch: event k belongs to symbol index <paramref name="symbols"/>[k]. Each symbol's
    /// events come in seq order and never for a bar after the next minute to be evaluated.
    /// </summary>
    void Apply(ReadOnlySpan<TickEvent> events, ReadOnlySpan<int> symbols);

    /// <summary>
    /// Evaluates as of closed minute <paramref name="minute"/>. <paramref name="rows"/> holds the
    /// rows written by the previous calls of the day (symbol i at i·27, all NaN after
    /// <see cref="BeginDay"/>); the rows of the symbols whose values changed are overwritten, and
    /// their indices written, ascending, to <paramref name="changed"/>. Returns how many changed.
    /// The rows after the call equal those a from-scratch evaluation would give, bit for bit.
    /// </summary>
    int Evaluate(int minute, Span<double> rows, Span<int> changed);

    /// <summary>
    /// <see cref="Evaluate(int, Span{double}, Span{int})"/>, and each symbol's <see cref="LastSeq"/>
    /// as of the evaluation into the first <see cref="SymbolCount"/> slots of
    /// <paramref name="lastSeqs"/>. A backend that reads the seqs while it evaluates overrides it: a
    /// second pass over a shard's symbol states after the evaluation reads cold memory.
    /// </summary>
    int Evaluate(int minute, Span<double> rows, Span<int> changed, Span<long> lastSeqs)
    {
        int count = Evaluate(minute, rows, changed);
        for (int i = 0; i < SymbolCount; i++) lastSeqs[i] = LastSeq(i);
        return count;
    }

    /// <summary>
    /// Symbol i has all its events of the day (a replay that reads the store symbol by symbol): a
    /// backend may evaluate it now — as of the close, or as of the minutes it has left to record (see
    /// <see cref="RecordMinutes"/>) — keep only its rows, last seq and daily bar, and give its state's
    /// storage to the symbols still to come. Later calls must then answer for i exactly as if its state
    /// were still there. Where only the close is evaluated, doing nothing (the default) is correct.
    /// </summary>
    void CompleteDay(int symbol) { }

    /// <summary>
    /// For a day read symbol by symbol whose every minute is evaluated (call it after
    /// <see cref="BeginDay"/>, before the day's events): until the next day, <see cref="Apply"/>
    /// evaluates each symbol as of every minute m once its events of bars ≤ m are in and before any
    /// later one is, and <see cref="CompleteDay"/> as of the minutes left — what the minute-by-minute
    /// order evaluates at each clock — and <see cref="Evaluate(int, Span{double}, Span{int})"/>(m) hands back those rows (and
    /// <see cref="LastSeq"/> the seqs as of m). Returns false when the backend cannot (the default):
    /// such a day must then come minute by minute.
    /// </summary>
    bool RecordMinutes() => false;

    /// <summary>Exchange seq of symbol i's last applied event (0 before the first).</summary>
    long LastSeq(int symbol);

    /// <summary>Symbol i's unadjusted daily bar from the fills applied so far (read after the close); null when it had no fill.</summary>
    RawDailyBar? DailyBar(int symbol);

    /// <summary>
    /// An independent copy (supervision snapshots): flat array copies, no shared mutable parts.
    /// When <paramref name="into"/> is an earlier copy of this backend's that nothing reads any
    /// more, the copy is written into its storage (no allocation in the steady state).
    /// </summary>
    IShardFactorState Copy(IShardFactorState? into = null);
}
