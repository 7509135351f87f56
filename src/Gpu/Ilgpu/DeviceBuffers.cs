using ILGPU;
using ILGPU.Runtime;
using static Sig.Gpu.Ilgpu.DeviceLayout;

namespace Sig.Gpu.Ilgpu;

/// <summary>
/// The device memory of one shard: the resident state (see <see cref="DeviceLayout"/>) and the
/// transfer buffers for events, symbol lists and output rows, each grown by doubling and then
/// reused, so a steady-state minute allocates nothing on the device.
/// </summary>
internal sealed class DeviceBuffers(Accelerator accelerator) : IDisposable
{
    private MemoryBuffer1D<long, Stride1D.Dense>? _longs, _bars, _orders, _moves;
    private MemoryBuffer1D<double, Stride1D.Dense>? _doubles, _barDoubles, _rows, _output;
    private MemoryBuffer1D<DeviceEvent, Stride1D.Dense>? _events;
    private MemoryBuffer1D<int, Stride1D.Dense>? _starts, _changed;
    private int _stride;
    private long _orderStride, _ordersUsed;

    public ShardViews Views => new()
    {
        Longs = _longs!.View, Doubles = _doubles!.View, Bars = _bars!.View, BarDoubles = _barDoubles!.View,
        Orders = _orders!.View, Rows = _rows!.View, Stride = _stride, OrderStride = _orderStride,
    };

    /// <summary>Sizes the state for <paramref name="symbols"/> and <paramref name="orders"/> and clears it (rows all NaN).</summary>
    public void Reset(IlgpuComputeBackend backend, int symbols, long orders)
    {
        int stride = Math.Max(32, (symbols + 31) / 32 * 32);
        if (stride != _stride || _longs is null)
        {
            _longs?.Dispose(); _doubles?.Dispose(); _bars?.Dispose(); _barDoubles?.Dispose(); _rows?.Dispose();
            _longs = accelerator.Allocate1D<long>((long)LongFields * stride);
            _doubles = accelerator.Allocate1D<double>((long)DoubleFields * stride);
            _bars = accelerator.Allocate1D<long>((long)BarFields * Slots * stride);
            _barDoubles = accelerator.Allocate1D<double>((long)BarDoubleFields * Slots * stride);
            _rows = accelerator.Allocate1D<double>((long)Sig.Factors.FactorCatalog.Count * stride);
            _stride = stride;
        }
        if (_orders is null || _orderStride < orders)
        {
            _orders?.Dispose();
            _orderStride = Math.Max(orders, 1024);
            _orders = accelerator.Allocate1D<long>(OrderFields * _orderStride);
        }
        _ordersUsed = 0;
        _longs.MemSetToZero(); _doubles!.MemSetToZero(); _bars!.MemSetToZero(); _barDoubles!.MemSetToZero();
        backend.FillNaN((int)_rows!.Length, _rows.View);
        accelerator.Synchronize();
    }

    /// <summary>Sets each symbol's order segment base (symbol i's at <paramref name="bases"/>[i]).</summary>
    public void SetOrderBases(long[] bases)
    {
        _longs!.View.SubView((long)LOrderBase * _stride, bases.Length).CopyFromCPU(bases);
        _ordersUsed = _orderStride;
    }

    /// <summary>Grows the order pool to hold <paramref name="orders"/>, keeping what it holds.</summary>
    public void EnsureOrderCapacity(long orders)
    {
        if (orders <= _orderStride) { _ordersUsed = Math.Max(_ordersUsed, orders); return; }
        long stride = Math.Max(orders, 2 * _orderStride);
        var grown = accelerator.Allocate1D<long>(OrderFields * stride);
        for (int f = 0; f < OrderFields && _ordersUsed > 0; f++)
            _orders!.View.SubView(f * _orderStride, _ordersUsed).CopyTo(grown.View.SubView(f * stride, _ordersUsed));
        _orders!.Dispose();
        _orders = grown;
        _orderStride = stride;
        _ordersUsed = orders;
    }

    public ArrayView<DeviceEvent> Events(int n) => Grow(ref _events, n).SubView(0, n);
    public ArrayView<int> Starts(int n) => Grow(ref _starts, n).SubView(0, n);
    public ArrayView<int> Changed(int n) => Grow(ref _changed, n).SubView(0, n);
    public ArrayView<long> Moves(int n) => Grow(ref _moves, n).SubView(0, n);
    public ArrayView<double> Output(long n) => Grow(ref _output, n).SubView(0, n);

    private ArrayView<T> Grow<T>(ref MemoryBuffer1D<T, Stride1D.Dense>? buffer, long n) where T : unmanaged
    {
        if (buffer is null || buffer.Length < n)
        {
            long size = Math.Max(n, buffer is null ? 1024 : 2 * buffer.Length);
            buffer?.Dispose();
            buffer = accelerator.Allocate1D<T>(size);
        }
        return buffer.View;
    }

    /// <summary>Makes <paramref name="c"/> hold the same resident state (device-to-device copies).</summary>
    public void CopyTo(DeviceBuffers c)
    {
        if (_longs is null) return; // no day begun: nothing resident
        if (c._stride != _stride || c._longs is null)
        {
            c._longs?.Dispose(); c._doubles?.Dispose(); c._bars?.Dispose(); c._barDoubles?.Dispose(); c._rows?.Dispose();
            c._longs = accelerator.Allocate1D<long>(_longs!.Length);
            c._doubles = accelerator.Allocate1D<double>(_doubles!.Length);
            c._bars = accelerator.Allocate1D<long>(_bars!.Length);
            c._barDoubles = accelerator.Allocate1D<double>(_barDoubles!.Length);
            c._rows = accelerator.Allocate1D<double>(_rows!.Length);
            c._stride = _stride;
        }
        if (c._orders is null || c._orderStride != _orderStride)
        {
            c._orders?.Dispose();
            c._orders = accelerator.Allocate1D<long>(_orders!.Length);
            c._orderStride = _orderStride;
        }
        _longs!.View.CopyTo(c._longs.View); _doubles!.View.CopyTo(c._doubles!.View);
        _bars!.View.CopyTo(c._bars!.View); _barDoubles!.View.CopyTo(c._barDoubles!.View);
        _rows!.View.CopyTo(c._rows!.View); _orders!.View.CopyTo(c._orders.View);
        c._ordersUsed = _ordersUsed;
        accelerator.Synchronize();
    }

    public void Dispose()
    {
        _longs?.Dispose(); _doubles?.Dispose(); _bars?.Dispose(); _barDoubles?.Dispose(); _rows?.Dispose();
        _orders?.Dispose(); _moves?.Dispose(); _output?.Dispose(); _events?.Dispose(); _starts?.Dispose(); _changed?.Dispose();
    }
}
