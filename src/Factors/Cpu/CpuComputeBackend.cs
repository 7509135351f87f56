using System.Numerics;
using Sig.Engine.Config;
using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Factors.Intraday;
using Sig.Factors.Compute;

namespace Sig.Factors.Cpu;

/// <summary>
/// The reference backend: one <see cref="SymbolDayState"/> per symbol, evaluated by
/// <see cref="IntradayFactorEvaluator"/>; symbols with no event since their last evaluation get
/// only their minute-dependent factors refreshed. With a parallelism above 1 a shard's symbols
/// are spread over worker threads in fixed contiguous chunks; every symbol writes only its own
/// row, so the bytes are the same for any degree of parallelism.
/// </summary>
public sealed class CpuComputeBackend(int parallelism = 1) : IComputeBackend
{
    private readonly int _parallelism = Math.Max(1, parallelism);

    public string Name => "cpu";

    public int VectorWidth => Vector<double>.Count;

    public IShardFactorState CreateShard(FactorSettings settings, BigOrderSizing sizing) => new CpuShardState(settings, sizing, _parallelism);

    public void Dispose() { }
}

/// <summary>The CPU backend's state of one shard (see <see cref="IShardFactorState"/>).</summary>
public sealed class CpuShardState : IShardFactorState
{
    private const int Width = FactorCatalog.Count;
    private readonly FactorSettings _settings;
    private readonly BigOrderSizing _sizing;
    private readonly int _parallelism;
    private readonly IntradayFactorEvaluator _evaluator = new();
    private readonly List<SymbolDayState> _states = [];
    // Version of each state when its row was last written (−1: never).
    private long[] _evaluatedAt = [];

    public CpuShardState(FactorSettings settings, BigOrderSizing sizing, int parallelism)
    {
        _settings = settings;
        _sizing = sizing;
        _parallelism = parallelism;
    }

    public int SymbolCount { get; private set; }

    /// <summary>The state of symbol i (tests and tools read it).</summary>
    public SymbolDayState State(int symbol) => _states[symbol];

    public void BeginDay(ReadOnlySpan<SymbolCode> symbols)
    {
        while (_states.Count < symbols.Length) _states.Add(new SymbolDayState(default, _sizing));
        if (_states.Count > symbols.Length) _states.RemoveRange(symbols.Length, _states.Count - symbols.Length);
        for (int i = 0; i < symbols.Length; i++) _states[i].Reset(symbols[i]);
        _evaluatedAt = new long[symbols.Length];
        Array.Fill(_evaluatedAt, -1);
        SymbolCount = symbols.Length;
    }

    public void Apply(ReadOnlySpan<TickEvent> events, ReadOnlySpan<int> symbols)
    {
        for (int k = 0; k < events.Length; k++) _states[symbols[k]].Apply(in events[k]);
    }

    public int Evaluate(int minute, Span<double> rows, Span<int> changed)
    {
        int n = SymbolCount;
        if (rows.Length < n * Width) throw new ArgumentException("rows too small", nameof(rows));
        if (_parallelism == 1 || n < 256) EvaluateRange(0, n, minute, rows);
        else
        {
            var shared = rows.ToArray();
            int chunks = _parallelism * 4, per = (n + chunks - 1) / chunks;
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = _parallelism },
                c => EvaluateRange(c * per, Math.Min(n, (c + 1) * per), minute, shared));
            shared.AsSpan(0, n * Width).CopyTo(rows);
        }
        // A symbol without a fill keeps its all-NaN row; every other one has minute-dependent factors.
        int count = 0;
        for (int i = 0; i < n; i++) if (_states[i].Bars.Fills > 0) changed[count++] = i;
        return count;
    }

    private void EvaluateRange(int from, int to, int minute, Span<double> rows)
    {
        for (int i = from; i < to; i++)
        {
            var s = _states[i];
            var row = rows.Slice(i * Width, Width);
            if (_evaluatedAt[i] == s.Version) _evaluator.EvaluateQuiet(s, minute, row);
            else _evaluator.Evaluate(s, minute, _settings, row);
            _evaluatedAt[i] = s.Version;
        }
    }

    public long LastSeq(int symbol) => _states[symbol].LastSeq;

    public RawDailyBar? DailyBar(int symbol) => RawDailyBar.From(_states[symbol]);

    public IShardFactorState Copy(IShardFactorState? into = null)
    {
        var c = into as CpuShardState ?? new CpuShardState(_settings, _sizing, _parallelism);
        if (c._sizing != _sizing || c._settings != _settings) c = new CpuShardState(_settings, _sizing, _parallelism);
        c.SymbolCount = SymbolCount;
        if (c._evaluatedAt.Length != _evaluatedAt.Length) c._evaluatedAt = new long[_evaluatedAt.Length];
        _evaluatedAt.CopyTo(c._evaluatedAt, 0);
        if (c._states.Count > _states.Count) c._states.RemoveRange(_states.Count, c._states.Count - _states.Count);
        for (int i = 0; i < _states.Count; i++)
        {
            if (i == c._states.Count) c._states.Add(new SymbolDayState(default, _sizing));
            _states[i].CopyTo(c._states[i]);
        }
        return c;
    }
}
