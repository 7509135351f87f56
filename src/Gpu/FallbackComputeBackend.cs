using Sig.Engine.Config;
using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Factors.Compute;

namespace Sig.Gpu;

/// <summary>
/// A device backend that falls back to the CPU backend instead of failing a trading day: each
/// shard keeps the day's applied batches, and when a device call fails (driver or device lost,
/// out of memory, kernel fault) it writes one line, rebuilds the day on a CPU shard from those
/// batches and carries on there; the shard stays on the CPU until the process ends. Contract
/// errors of the caller (bad minute, rows too small) are not device failures and propagate.
/// </summary>
public sealed class FallbackComputeBackend(IComputeBackend device, Func<IComputeBackend> cpu, Action<string> note) : IComputeBackend
{
    private IComputeBackend? _cpu;
    private string? _fellBack;

    public string Name => device.Name;

    public int VectorWidth => device.VectorWidth;

    /// <summary>The device, and whether any shard fell back to the CPU (and why).</summary>
    public string? Device => _fellBack is null ? device.Device : $"{device.Device}; fell back to cpu: {_fellBack}";

    public IShardFactorState CreateShard(FactorSettings settings, BigOrderSizing sizing) =>
        new FallbackShardState(this, device.CreateShard(settings, sizing), settings, sizing);

    internal IShardFactorState FallBack(FactorSettings settings, BigOrderSizing sizing, string what, Exception ex)
    {
        string line = $"compute: {device.Name} failed during {what} ({ex.GetType().Name}: {Ilgpu.IlgpuComputeBackend.FirstLine(ex.Message)}); continuing on cpu";
        lock (this)
        {
            _fellBack ??= line;
            _cpu ??= cpu();
        }
        note(line);
        return _cpu.CreateShard(settings, sizing);
    }

    /// <summary>Whether an exception is the device's (not a caller's contract error).</summary>
    public static bool IsDeviceFailure(Exception ex) =>
        ex is OutOfMemoryException or Ilgpu.GpuUnavailableException || (ex.GetType().Namespace ?? "").StartsWith("ILGPU", StringComparison.Ordinal);

    public void Dispose()
    {
        device.Dispose();
        _cpu?.Dispose();
    }
}

/// <summary>A shard of <see cref="FallbackComputeBackend"/>: the device shard until it fails, then a CPU shard rebuilt from the day's batches.</summary>
internal sealed class FallbackShardState(FallbackComputeBackend owner, IShardFactorState device, FactorSettings settings, BigOrderSizing sizing) : IShardFactorState
{
    private IShardFactorState _active = device;
    private bool _onCpu;
    private SymbolCode[] _symbols = [];
    // The day's batches, in order: what a CPU shard needs to take over mid-day.
    private readonly List<(TickEvent[] Events, int[] Symbols)> _day = [];

    public int SymbolCount => _active.SymbolCount;

    public void BeginDay(ReadOnlySpan<SymbolCode> symbols)
    {
        _symbols = symbols.ToArray();
        _day.Clear();
        Guard("BeginDay", s => s.BeginDay(_symbols));
    }

    public void Apply(ReadOnlySpan<TickEvent> events, ReadOnlySpan<int> symbols)
    {
        var batch = (events.ToArray(), symbols.ToArray());
        if (!_onCpu) _day.Add(batch);
        Guard("Apply", s => s.Apply(batch.Item1, batch.Item2));
    }

    public int Evaluate(int minute, Span<double> rows, Span<int> changed)
    {
        if (_onCpu) return _active.Evaluate(minute, rows, changed);
        try
        {
            return _active.Evaluate(minute, rows, changed);
        }
        catch (Exception ex) when (FallbackComputeBackend.IsDeviceFailure(ex))
        {
            TakeOver($"minute {minute}", ex);
            return _active.Evaluate(minute, rows, changed);
        }
    }

    private void Guard(string what, Action<IShardFactorState> call)
    {
        if (_onCpu) { call(_active); return; }
        try
        {
            call(_active);
        }
        catch (Exception ex) when (FallbackComputeBackend.IsDeviceFailure(ex))
        {
            TakeOver(what, ex); // the CPU shard replays the day, this call's batch included
        }
    }

    private void TakeOver(string what, Exception ex)
    {
        var cpu = owner.FallBack(settings, sizing, what, ex);
        cpu.BeginDay(_symbols);
        foreach (var (events, symbols) in _day) cpu.Apply(events, symbols);
        _day.Clear();
        _active = cpu;
        _onCpu = true;
    }

    public long LastSeq(int symbol) => _active.LastSeq(symbol);

    public RawDailyBar? DailyBar(int symbol) => _active.DailyBar(symbol);

    public IShardFactorState Copy(IShardFactorState? into = null)
    {
        var c = new FallbackShardState(owner, _active.Copy((into as FallbackShardState)?._active), settings, sizing)
        {
            _onCpu = _onCpu, _symbols = _symbols,
        };
        c._day.AddRange(_day);
        return c;
    }
}
