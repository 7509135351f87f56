using System.Security.Cryptography;
using Sig.Engine.Text;
using Time = Sig.Engine.Time;

namespace Sig.Factors.Output;

/// <summary>
/// SHA-256 over a run's outputs in canonical form, chained per minute:
/// d₀ = 32 zero bytes, dₘ = SHA-256(dₘ₋₁ ‖ "date:minute" ‖ the minute's output payloads in order).
/// Per-symbol intraday messages are projections of the snapshot and are covered through it.
/// Operational messages (status, logs, timings) are outside the digest.
/// </summary>
public sealed class OutputDigest
{
    private byte[] _current = new byte[32];

    /// <summary>The digest after the last closed minute.</summary>
    public byte[] Current => _current;

    public string Hex => Convert.ToHexStringLower(_current);

    /// <summary>Chains one minute's outputs; returns the new digest.</summary>
    public byte[] AddMinute(DateOnly date, int minute, params ReadOnlySpan<byte[]> payloads)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(_current);
        h.AppendData(System.Text.Encoding.ASCII.GetBytes($"{CanonicalRows.FormatDate(date)}:{minute}\n"));
        foreach (var p in payloads) h.AppendData(p);
        _current = h.GetHashAndReset();
        return _current;
    }

    /// <summary>Chains one minute's outputs (payloads that may live in pooled buffers); returns the new digest.</summary>
    public byte[] AddMinute(DateOnly date, int minute, params ReadOnlySpan<OutputPayload> payloads)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(_current);
        h.AppendData(System.Text.Encoding.ASCII.GetBytes($"{CanonicalRows.FormatDate(date)}:{minute}\n"));
        foreach (var p in payloads) h.AppendData(p.Span);
        _current = h.GetHashAndReset();
        return _current;
    }

    /// <summary>
    /// Chains a closed minute's snapshot as every run does: the snapshot payload, and at minute
    /// 240 also the daily payload.
    /// </summary>
    public byte[] AddSnapshot(FactorSnapshot snap) => snap.Minute < Time.SessionBars.BarsPerDay
        ? AddMinute(snap.Date, snap.Minute, FactorPayloads.Snapshot(snap))
        : AddMinute(snap.Date, snap.Minute, FactorPayloads.Snapshot(snap), FactorPayloads.Snapshot(snap, daily: true));

    /// <summary>Restores the chain (recovery from a journal checkpoint).</summary>
    public void Reset(byte[] digest) => _current = (byte[])digest.Clone();
}
