using ILGPU;
using ILGPU.Runtime;

namespace Sig.Gpu.Ilgpu;

/// <summary>
/// A shard's own accelerator stream and its page-locked (pinned) host buffers for the minute
/// path. Pinned memory lets the device copy engine move the data while the host goes on (a
/// pageable buffer is staged by the driver, synchronously); the shard's own stream lets one
/// shard's upload run while another's kernel or download does. Every transfer and launch of the
/// shard goes to this one stream, so they run in the order issued and the results cannot depend
/// on timing. Event batches are staged alternately in two halves: the host fills one while the
/// other's upload may still be in flight; it waits for the stream only before refilling a half
/// whose upload has not been waited for.
/// </summary>
internal sealed class MinuteTransfers(Accelerator accelerator) : IDisposable
{
    private readonly PageLockedArray1D<DeviceEvent>?[] _events = new PageLockedArray1D<DeviceEvent>?[2];
    private readonly PageLockedArray1D<int>?[] _starts = new PageLockedArray1D<int>?[2];
    private readonly bool[] _inFlight = new bool[2];
    private PageLockedArray1D<int>? _changed;
    private PageLockedArray1D<double>? _rows;
    private int _half;

    public AcceleratorStream Stream { get; } = accelerator.CreateStream();

    /// <summary>Waits until everything issued on the shard's stream has run.</summary>
    public void Synchronize()
    {
        Stream.Synchronize();
        _inFlight[0] = _inFlight[1] = false;
    }

    /// <summary>
    /// Stages a flush: writes <paramref name="events"/> and <paramref name="starts"/> into the next
    /// pinned half and issues their uploads into <paramref name="eventTarget"/>/<paramref name="startTarget"/>
    /// on the stream (asynchronous; a kernel issued next on the stream sees them).
    /// </summary>
    public void Upload(ReadOnlySpan<DeviceEvent> events, ReadOnlySpan<int> starts, ArrayView<DeviceEvent> eventTarget, ArrayView<int> startTarget)
    {
        int h = _half;
        _half ^= 1;
        if (_inFlight[h]) Synchronize();
        var e = Pinned(ref _events[h], events.Length);
        var s = Pinned(ref _starts[h], starts.Length);
        events.CopyTo(e.Span);
        starts.CopyTo(s.Span);
        eventTarget.SubView(0, events.Length).CopyFrom(Stream, e.ArrayView.SubView(0, events.Length));
        startTarget.SubView(0, starts.Length).CopyFrom(Stream, s.ArrayView.SubView(0, starts.Length));
        _inFlight[h] = true;
    }

    /// <summary>Issues the upload of the evaluated symbols' indices (the stream is idle here: each evaluation ends with a wait).</summary>
    public void UploadChanged(ReadOnlySpan<int> changed, ArrayView<int> target)
    {
        var c = Pinned(ref _changed, changed.Length);
        changed.CopyTo(c.Span);
        target.SubView(0, changed.Length).CopyFrom(Stream, c.ArrayView.SubView(0, changed.Length));
    }

    /// <summary>Issues the download of <paramref name="count"/> row values into pinned memory; read them with <see cref="Rows"/> after <see cref="Synchronize"/>.</summary>
    public void DownloadRows(ArrayView<double> source, int count)
    {
        var r = Pinned(ref _rows, count);
        r.ArrayView.SubView(0, count).CopyFrom(Stream, source.SubView(0, count));
    }

    /// <summary>The downloaded rows (valid after <see cref="Synchronize"/>).</summary>
    public ReadOnlySpan<double> Rows(int count) => _rows!.Span[..count];

    private PageLockedArray1D<T> Pinned<T>(ref PageLockedArray1D<T>? buffer, int n) where T : unmanaged
    {
        if (buffer is null || buffer.Length < n)
        {
            long size = Math.Max(n, buffer is null ? 1024 : 2 * buffer.Length);
            buffer?.Dispose();
            buffer = accelerator.AllocatePageLocked1D<T>(size);
        }
        return buffer;
    }

    public void Dispose()
    {
        Stream.Synchronize();
        foreach (var b in _events) b?.Dispose();
        foreach (var b in _starts) b?.Dispose();
        _changed?.Dispose(); _rows?.Dispose();
        Stream.Dispose();
    }
}
