using ILGPU;
using ILGPU.Runtime;
using Sig.Engine.Config;
using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Time;
using Sig.Factors.Compute;
using static Sig.Gpu.Ilgpu.DeviceLayout;

namespace Sig.Gpu.Ilgpu;

/// <summary>
/// One shard's state resident on the accelerator. Apply encodes events on the host (order-id
/// maps, fixed logs) and queues them; Evaluate uploads only the queued events (grouped by
/// symbol, seq order kept), applies them in one kernel launch, evaluates the symbols with a
/// fill in a second and downloads only their rows. Parent orders live in one pool with a
/// contiguous segment per symbol; a symbol that outgrows its segment is moved to a larger one
/// at the pool's end (the pool doubles when full), so nothing on the device is ever resized in
/// place during a kernel.
/// </summary>
public sealed class IlgpuShardState : IShardFactorState
{
    private const int W = FactorCatalog.Count;
    private readonly IlgpuComputeBackend _backend;
    private readonly FactorSettings _settings;
    private readonly BigOrderSizing _sizing;
    private readonly List<HostSymbolTrack> _tracks = [];
    private readonly DeviceBuffers _buffers;
    // Per symbol: its order segment (base, capacity) and the orders the device holds.
    private long[] _orderBase = [], _orderCapacity = [];
    private int[] _deviceOrders = [];
    private long _poolEnd;
    private DeviceEvent[] _pending = new DeviceEvent[1024];
    private int _pendingCount;
    // Scratch for grouping a flush by symbol.
    private int[] _perSymbol = [];
    private readonly List<int> _touched = [];
    private DeviceEvent[] _grouped = new DeviceEvent[1024];
    private int[] _changed = [];
    private double[] _output = [];

    internal IlgpuShardState(IlgpuComputeBackend backend, FactorSettings settings, BigOrderSizing sizing)
    {
        _backend = backend;
        _settings = settings;
        _sizing = sizing;
        _buffers = new DeviceBuffers(backend.Accelerator);
    }

    public int SymbolCount { get; private set; }

    public void BeginDay(ReadOnlySpan<SymbolCode> symbols)
    {
        int n = symbols.Length;
        while (_tracks.Count < n) _tracks.Add(new HostSymbolTrack(_sizing));
        if (_tracks.Count > n) _tracks.RemoveRange(n, _tracks.Count - n);
        for (int i = 0; i < n; i++) _tracks[i].Reset(symbols[i]);
        SymbolCount = n;
        _orderBase = new long[n]; _orderCapacity = new long[n]; _deviceOrders = new int[n]; _perSymbol = new int[n];
        _changed = new int[n];
        _poolEnd = 0;
        _pendingCount = 0;
        lock (_backend.DeviceLock) _buffers.Reset(_backend, n, 1024);
    }

    public void Apply(ReadOnlySpan<TickEvent> events, ReadOnlySpan<int> symbols)
    {
        for (int k = 0; k < events.Length; k++)
        {
            if (!_tracks[symbols[k]].Encode(in events[k], symbols[k], out var d)) continue;
            if (_pendingCount == _pending.Length) Array.Resize(ref _pending, _pending.Length * 2);
            _pending[_pendingCount++] = d;
        }
    }

    public int Evaluate(int minute, Span<double> rows, Span<int> changed)
    {
        if (minute is < 1 or > SessionBars.BarsPerDay) throw new ArgumentOutOfRangeException(nameof(minute));
        int n = SymbolCount;
        if (rows.Length < n * W) throw new ArgumentException("rows too small", nameof(rows));
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            var t = _tracks[i];
            if (t.LastBar > minute) throw new InvalidOperationException($"{t.Symbol}: state holds events of bar {t.LastBar}, evaluated as of {minute}");
            if (t.Fills > 0) _changed[count++] = i; // a symbol without a fill keeps its all-NaN row
        }
        if (_output.Length < count * W) _output = new double[Math.Max(count * W, _output.Length * 2)];
        lock (_backend.DeviceLock)
        {
            Flush();
            if (count > 0)
            {
                var changedView = _buffers.Changed(count);
                changedView.CopyFromCPU(_changed.AsSpan(0, count));
                var output = _buffers.Output((long)count * W);
                _backend.EvaluateChanged(count, _buffers.Views, changedView, output, minute, _settings.StdMultiple, _settings.MinAmountTicks);
                output.CopyToCPU(_output.AsSpan(0, count * W));
            }
        }
        for (int k = 0; k < count; k++)
        {
            int i = _changed[k];
            _output.AsSpan(k * W, W).CopyTo(rows.Slice(i * W, W));
            changed[k] = i;
        }
        return count;
    }

    // Uploads the queued events grouped by symbol and applies them (caller holds the device lock).
    private void Flush()
    {
        if (_pendingCount == 0) return;
        _touched.Clear();
        for (int k = 0; k < _pendingCount; k++)
        {
            int s = _pending[k].Symbol;
            if (_perSymbol[s]++ == 0) _touched.Add(s);
        }
        _touched.Sort();
        var starts = new int[_touched.Count + 1];
        for (int j = 0; j < _touched.Count; j++)
        {
            int s = _touched[j];
            starts[j + 1] = starts[j] + _perSymbol[s];
            _perSymbol[s] = starts[j]; // now the next write position of s
        }
        if (_grouped.Length < _pendingCount) _grouped = new DeviceEvent[_pending.Length];
        for (int k = 0; k < _pendingCount; k++) _grouped[_perSymbol[_pending[k].Symbol]++] = _pending[k];
        foreach (int s in _touched) _perSymbol[s] = 0;
        ReserveOrders();
        var events = _buffers.Events(_pendingCount);
        events.CopyFromCPU(_grouped.AsSpan(0, _pendingCount));
        var startView = _buffers.Starts(starts.Length);
        startView.CopyFromCPU(starts);
        _backend.ApplyBatch(_touched.Count, _buffers.Views, events, startView);
        _pendingCount = 0;
    }

    // Gives every touched symbol an order segment large enough for its orders after the flush.
    private void ReserveOrders()
    {
        var moves = new List<long>();
        foreach (int s in _touched)
        {
            int needed = _tracks[s].OrderCount;
            if (needed > _orderCapacity[s])
            {
                long capacity = Math.Max(16, Math.Max(2 * _orderCapacity[s], needed));
                moves.Add(s); moves.Add(_orderBase[s]); moves.Add(_poolEnd); moves.Add(_deviceOrders[s]);
                _orderBase[s] = _poolEnd;
                _orderCapacity[s] = capacity;
                _poolEnd += capacity;
            }
            _deviceOrders[s] = needed;
        }
        if (moves.Count == 0) return;
        _buffers.EnsureOrderCapacity(_poolEnd);
        var view = _buffers.Moves(moves.Count);
        view.CopyFromCPU(moves.ToArray());
        _backend.RelocateOrders(moves.Count / 4, _buffers.Views, view);
    }

    public long LastSeq(int symbol) => _tracks[symbol].LastSeq;

    public RawDailyBar? DailyBar(int symbol) => _tracks[symbol].DailyBar();

    public IShardFactorState Copy(IShardFactorState? into = null)
    {
        var c = into as IlgpuShardState;
        if (c is null || c._backend != _backend || c._settings != _settings || c._sizing != _sizing) c = new IlgpuShardState(_backend, _settings, _sizing);
        lock (_backend.DeviceLock)
        {
            Flush();
            _buffers.CopyTo(c._buffers);
        }
        c.SymbolCount = SymbolCount;
        if (c._tracks.Count > _tracks.Count) c._tracks.RemoveRange(_tracks.Count, c._tracks.Count - _tracks.Count);
        for (int i = 0; i < _tracks.Count; i++)
        {
            if (i == c._tracks.Count) c._tracks.Add(new HostSymbolTrack(_sizing));
            _tracks[i].CopyTo(c._tracks[i]);
        }
        c._orderBase = (long[])_orderBase.Clone(); c._orderCapacity = (long[])_orderCapacity.Clone();
        c._deviceOrders = (int[])_deviceOrders.Clone();
        c._perSymbol = new int[_perSymbol.Length]; c._changed = new int[_changed.Length];
        c._poolEnd = _poolEnd;
        c._pendingCount = 0;
        return c;
    }
}
