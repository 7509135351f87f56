using System.Text.Json;
using Sig.Models.Data;
using Sig.Models.Files;
using Sig.Models.Networks;
using Sig.Models.Nn;
using Xunit;

namespace Sig.Models.Tests.Files;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sig-models-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static INetwork Trained(out CrossSection cs)
    {
        var net = new HfGruNet(27, 8);
        net.Init(new SeededRandom(3));
        cs = SyntheticPanel.Date(new DateOnly(2024, 3, 1), 40, 10, 27, 5);
        net.TrainStep(cs, new SeededRandom(4));
        new Adam(net.State, 0.01f).Step();
        return net;
    }

    private string WriteModel(INetwork net)
    {
        var path = Path.Combine(_dir, "hf.model");
        ModelFile.Write(path, NetworkFactory.Header(net, 3, new DateOnly(2020, 1, 2), new DateOnly(2023, 12, 15), new DateOnly(2024, 1, 2), "abc", new Dictionary<string, double> { ["validation_ic"] = 0.05 }), net.State);
        return path;
    }

    [Fact]
    public void A_model_file_round_trips_header_state_and_scores()
    {
        var net = Trained(out var cs);
        var path = WriteModel(net);
        var (loaded, header) = ModelFile.Load(path);
        Assert.Equal("hf-gru", header.Architecture);
        Assert.Equal("2024-01-02", header.RetrainDate);
        Assert.Equal(0.05, header.Metrics["validation_ic"]);
        for (int i = 0; i < net.State.Count; i++) Assert.Equal(net.State[i].Value, loaded.State[i].Value);
        Assert.Equal(net.Predict(cs), loaded.Predict(cs));
        Assert.Equal(1f, loaded.State.Single(p => p.Name == "bn.num_batches_tracked").Value[0]);
    }

    [Fact]
    public void A_corrupted_byte_or_a_truncated_file_is_refused_naming_the_file()
    {
        var path = WriteModel(Trained(out _));
        var bytes = File.ReadAllBytes(path);
        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, flipped);
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("SHA-256", e.Message);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        Assert.Contains(path, e.Message);
        File.WriteAllBytes(path, bytes[..20]);
        e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        Assert.Contains("too short", e.Message);
        File.WriteAllBytes(path, "not a model at all, just some text that is long enough to pass"u8.ToArray());
        e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        Assert.Contains("magic", e.Message);
    }

    [Fact]
    public void Writing_leaves_no_temporary_file()
    {
        WriteModel(Trained(out _));
        Assert.Equal(["hf.model"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    public static TheoryData<string> Architectures => new() { "hf-gru", "lf-mtl", "lf-mtl-unshared", "alphanet", "alphanet-v2.1" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Export_names_and_shapes_equal_pytorch_state_dict(string name)
    {
        INetwork net = name switch
        {
            "hf-gru" => new HfGruNet(27, 30),
            "lf-mtl" => new LfMultiTaskNet([0, 1, 2], true, 6, 30),
            "lf-mtl-unshared" => new LfMultiTaskNet([0, 1, 2], false, 6, 30),
            "alphanet" => new AlphaNetNet(15, 30),
            _ => new AlphaNetNet(15, 30, [0, 2, 3, 5, 7, 9, 11, 14]),
        };
        var header = NetworkFactory.Header(net, 1, null, null, null, null, new Dictionary<string, double>());
        var tensors = net.State.Select(p => new ModelTensor(p.Name, p.Kind, p.Shape, p.Value)).ToArray();
        using var doc = JsonDocument.Parse(StateDictExport.ToJson(header, tensors));
        var exported = doc.RootElement.GetProperty("state_dict").EnumerateObject()
            .Select(e => $"{e.Name} [{string.Join(',', e.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()))}] {e.Value.GetProperty("dtype").GetString()}").ToArray();
        using var reference = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "state_dict_names.json")));
        var expected = reference.RootElement.GetProperty(name).EnumerateArray()
            .Select(e => $"{e[0].GetString()} [{string.Join(',', e[1].EnumerateArray().Select(d => d.GetInt32()))}] {e[2].GetString()}").ToArray();
        Assert.Equal(expected, exported);
        var rebuilt = NetworkFactory.Create(header.Architecture, header.HyperParameters);
        Assert.Equal(net.State.Select(p => p.Name), rebuilt.State.Select(p => p.Name));
    }
}
