using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Sig.Engine.Events;

namespace Sig.Engine.Journal;

/// <summary>Record types of a live market journal (the journal's type byte).</summary>
public enum MarketJournalRecord : byte
{
    /// <summary>Start of a day: date and the day's universe (reference symbols).</summary>
    Reference = 1,
    /// <summary>A batch of events as received, before it is applied.</summary>
    Ticks = 2,
    /// <summary>An exchange-time clock (may close minutes).</summary>
    Clock = 3,
}

/// <summary>
/// Binary payloads of <see cref="MarketJournalRecord"/>s: little-endian date (day number)
/// followed by symbol codes, raw <see cref="TickEvent"/> bytes, or a time.
/// </summary>
public static class MarketJournalCodec
{
    private const int DateBytes = 4;

    public static byte[] EncodeReference(DateOnly date, ReadOnlySpan<SymbolCode> symbols)
    {
        var payload = new byte[DateBytes + symbols.Length * sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(payload, date.DayNumber);
        for (int i = 0; i < symbols.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(DateBytes + i * sizeof(int)), symbols[i].Value);
        return payload;
    }

    public static (DateOnly Date, SymbolCode[] Symbols) DecodeReference(ReadOnlySpan<byte> payload)
    {
        var date = ReadDate(payload);
        var body = payload[DateBytes..];
        if (body.Length % sizeof(int) != 0) throw new InvalidDataException("reference record: ragged symbol list");
        var symbols = new SymbolCode[body.Length / sizeof(int)];
        for (int i = 0; i < symbols.Length; i++) symbols[i] = new SymbolCode(BinaryPrimitives.ReadInt32LittleEndian(body[(i * sizeof(int))..]));
        return (date, symbols);
    }

    public static byte[] EncodeTicks(DateOnly date, ReadOnlySpan<TickEvent> events)
    {
        var bytes = MemoryMarshal.AsBytes(events);
        var payload = new byte[DateBytes + bytes.Length];
        BinaryPrimitives.WriteInt32LittleEndian(payload, date.DayNumber);
        bytes.CopyTo(payload.AsSpan(DateBytes));
        return payload;
    }

    public static (DateOnly Date, TickEvent[] Events) DecodeTicks(ReadOnlySpan<byte> payload)
    {
        var date = ReadDate(payload);
        var body = payload[DateBytes..];
        int size = Marshal.SizeOf<TickEvent>();
        if (body.Length % size != 0) throw new InvalidDataException("ticks record: ragged event array");
        return (date, MemoryMarshal.Cast<byte, TickEvent>(body).ToArray());
    }

    public static byte[] EncodeClock(DateOnly date, int time)
    {
        var payload = new byte[DateBytes + sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(payload, date.DayNumber);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(DateBytes), time);
        return payload;
    }

    public static (DateOnly Date, int Time) DecodeClock(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != DateBytes + sizeof(int)) throw new InvalidDataException("clock record: wrong length");
        return (ReadDate(payload), BinaryPrimitives.ReadInt32LittleEndian(payload[DateBytes..]));
    }

    private static DateOnly ReadDate(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < DateBytes) throw new InvalidDataException("journal record too short for a date");
        return DateOnly.FromDayNumber(BinaryPrimitives.ReadInt32LittleEndian(payload));
    }
}
