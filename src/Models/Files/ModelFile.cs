using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sig.Models.Networks;
using Sig.Models.Nn;

namespace Sig.Models.Files;

/// <summary>One named tensor of a model file.</summary>
public sealed record ModelTensor(string Name, StateKind Kind, int[] Shape, float[] Data);

/// <summary>
/// The engine's model file. Layout (little-endian):
/// <code>
/// "SIGMODEL" (8 bytes) | version u32 = 1 | header length u32 | header JSON (UTF-8)
/// | tensor count u32 | per tensor: name length u16, name UTF-8, kind u8 (0 weight, 1 buffer, 2 counter),
///   rank u8, dims i32×rank, values f32×Π dims (1 value for rank 0)
/// | SHA-256 (32 bytes) of every preceding byte
/// </code>
/// Written to a temporary file and renamed, so an interrupted write leaves no model behind.
/// </summary>
public static class ModelFile
{
    public const int Version = 1;
    private static readonly byte[] Magic = "SIGMODEL"u8.ToArray();
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>The file bytes for a header and a network state.</summary>
    public static byte[] Encode(ModelHeader header, IReadOnlyList<Parameter> state)
    {
        using var ms = new MemoryStream();
        var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true);
        var hj = JsonSerializer.SerializeToUtf8Bytes(header, Json);
        w.Write(Magic); w.Write((uint)Version); w.Write((uint)hj.Length); w.Write(hj);
        w.Write((uint)state.Count);
        foreach (var p in state)
        {
            var name = Encoding.UTF8.GetBytes(p.Name);
            w.Write((ushort)name.Length); w.Write(name);
            w.Write((byte)p.Kind); w.Write((byte)p.Shape.Length);
            foreach (var d in p.Shape) w.Write(d);
            foreach (var v in p.Value) w.Write(v);
        }
        w.Flush();
        var body = ms.ToArray();
        return [.. body, .. SHA256.HashData(body)];
    }

    /// <summary>Writes atomically (temporary file, then rename); returns the file's SHA-256 (hex).</summary>
    public static string Write(string path, ModelHeader header, IReadOnlyList<Parameter> state)
    {
        var bytes = Encode(header, state);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + Path.GetFileName(path) + ".tmp");
        File.WriteAllBytes(tmp, bytes);
        File.Move(tmp, path, overwrite: true);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>Reads and verifies a model file; any damage is an <see cref="InvalidDataException"/> naming the file.</summary>
    public static (ModelHeader Header, IReadOnlyList<ModelTensor> Tensors) Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"{path}: model file not found", path); }
        return Decode(bytes, path);
    }

    public static (ModelHeader Header, IReadOnlyList<ModelTensor> Tensors) Decode(byte[] bytes, string path)
    {
        InvalidDataException Bad(string why) => new($"{path}: not a valid model file: {why}");
        if (bytes.Length < Magic.Length + 12 + 32) throw Bad($"{bytes.Length} bytes is too short (truncated?)");
        if (!bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic)) throw Bad("wrong magic (expected SIGMODEL)");
        int end = bytes.Length - 32;
        if (!SHA256.HashData(bytes.AsSpan(0, end)).AsSpan().SequenceEqual(bytes.AsSpan(end)))
            throw Bad("SHA-256 check failed (file truncated or corrupted)");
        int at = Magic.Length;
        uint U32() { var v = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)); at += 4; return v; }
        void Need(long n, string what) { if (at + n > end) throw Bad($"{what} runs past the end at byte {at}"); }
        Need(8, "header");
        uint version = U32();
        if (version != Version) throw Bad($"format version {version}, this engine reads {Version}");
        uint hl = U32();
        Need(hl, "header JSON");
        ModelHeader header;
        try { header = JsonSerializer.Deserialize<ModelHeader>(bytes.AsSpan(at, (int)hl), Json) ?? throw Bad("empty header"); }
        catch (JsonException e) { throw Bad($"header JSON: {e.Message}"); }
        at += (int)hl;
        Need(4, "tensor count");
        uint count = U32();
        var tensors = new List<ModelTensor>();
        for (uint k = 0; k < count; k++)
        {
            Need(2, "tensor name length");
            int nl = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at)); at += 2;
            Need(nl + 2, "tensor name");
            var name = Encoding.UTF8.GetString(bytes, at, nl); at += nl;
            byte kind = bytes[at++], rank = bytes[at++];
            if (kind > 2) throw Bad($"tensor {name}: unknown kind {kind}");
            Need(4L * rank, $"tensor {name} shape");
            var shape = new int[rank];
            long size = 1;
            for (int r = 0; r < rank; r++)
            {
                shape[r] = (int)U32();
                if (shape[r] < 0) throw Bad($"tensor {name}: negative dimension");
                size *= shape[r];
            }
            Need(4 * size, $"tensor {name} values");
            var data = new float[size];
            for (long i = 0; i < size; i++) { data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at)); at += 4; }
            tensors.Add(new ModelTensor(name, (StateKind)kind, shape, data));
        }
        if (at != end) throw Bad($"{end - at} unexpected bytes after the last tensor");
        return (header, tensors);
    }

    /// <summary>Rebuilds the network a file describes and loads its state (names and shapes must match exactly).</summary>
    public static (INetwork Network, ModelHeader Header) Load(string path)
    {
        var (header, tensors) = Read(path);
        INetwork net;
        try { net = NetworkFactory.Create(header.Architecture, header.HyperParameters); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}"); }
        if (tensors.Count != net.State.Count) throw new InvalidDataException($"{path}: {tensors.Count} tensors, {header.Architecture} has {net.State.Count}");
        for (int i = 0; i < tensors.Count; i++)
        {
            var (t, p) = (tensors[i], net.State[i]);
            if (t.Name != p.Name || !t.Shape.SequenceEqual(p.Shape) || t.Kind != p.Kind)
                throw new InvalidDataException($"{path}: tensor {i} is {t.Name} [{string.Join('×', t.Shape)}], expected {p.Name} [{string.Join('×', p.Shape)}]");
            t.Data.CopyTo(p.Value, 0);
        }
        return (net, header);
    }
}
