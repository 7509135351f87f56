using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>
/// Mistakes a new user makes, run as a child process with stderr not a terminal: each is one
/// "error: …" line on stderr (no colour codes, no stack trace, no help dump), exit 1, and it
/// creates nothing.
/// </summary>
public sealed class UserMistakeCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engine-mistakes-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string At(string name) => Path.Combine(_dir, name);

    /// <summary>Runs the engine with NO_COLOR unset, so only the redirected stderr keeps colour out.</summary>
    private static string OneErrorLine(params string[] args)
    {
        var (code, stdout, stderr) = EngineProcess.Run(TimeSpan.FromSeconds(120), new Dictionary<string, string> { ["NO_COLOR"] = "" }, args);
        Assert.True(code == 1, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"stderr is not one line:\n{stderr}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain('\u001b', stderr);
        Assert.Equal("", stdout);
        return lines[0].TrimEnd('\r');
    }

    [Fact]
    public void Live_against_an_unreachable_server_is_one_line_and_creates_no_journal()
    {
        string line = OneErrorLine("live", "--nats", "nats://127.0.0.1:1", "--journal", At("journal"));
        Assert.Equal("error: NATS: cannot connect to nats://127.0.0.1:1", line);
        Assert.False(Directory.Exists(At("journal")));
    }

    [Fact]
    public void A_missing_required_option_names_it_and_the_commands_help()
    {
        Assert.Equal("error: Option '--journal' is required. (`engine live --help` shows the usage)",
            OneErrorLine("live", "--nats", "nats://127.0.0.1:1"));
        Assert.Equal("error: Option '--store' is required. (`engine replay --help` shows the usage)",
            OneErrorLine("replay", "--from", "2024-01-02", "--to", "2024-01-03", "--db", At("x.db")));
    }

    [Fact]
    public void An_unknown_command_option_or_value_is_one_line()
    {
        Assert.Contains("Unrecognized command or argument 'bogus'", OneErrorLine("bogus"));
        Assert.Contains("`engine store info --help`", OneErrorLine("store", "info", "--stor", At("s")));
        Assert.Contains("Cannot parse argument 'abc' for option '--stocks'", OneErrorLine("generate", "--out", At("gen"), "--stocks", "abc"));
        Assert.Contains("Argument 'tpu' not recognized", OneErrorLine("replay", "--store", At("s"), "--from", "2024-01-02", "--to", "2024-01-02", "--db", At("x.db"), "--backend", "tpu"));
        Assert.False(Directory.Exists(At("gen")));
    }

    [Fact]
    public void From_after_to_says_so()
    {
        Assert.Equal("error: --from 2024-01-05 is after --to 2024-01-02",
            OneErrorLine("replay", "--store", At("s"), "--from", "2024-01-05", "--to", "2024-01-02", "--db", At("x.db")));
        Assert.False(File.Exists(At("x.db")));
    }

    [Fact]
    public void Import_of_a_missing_file_creates_no_store()
    {
        Assert.Equal($"error: {At("missing.csv")}: no such file",
            OneErrorLine("import", "--trades", At("missing.csv"), "--reference", At("ref.csv"), "--store", At("store")));
        Assert.False(Directory.Exists(At("store")));
    }

    [Fact]
    public void A_journal_that_is_not_there_is_an_error_on_stderr()
    {
        Assert.Equal($"error: {At("nojournal")}: no such directory", OneErrorLine("journal", "verify", At("nojournal")));
    }

    /// <summary>A replay of the (empty) test directory into x.db, plus <paramref name="more"/>.</summary>
    private string[] Replay(params string[] more) => ["replay", "--store", _dir, "--from", "2024-01-02", "--to", "2024-01-03", "--db", At("x.db"), .. more];

    [Fact]
    public void Configuration_mistakes_are_one_line_naming_the_file()
    {
        Assert.Equal($"error: --config {At("nofile.json")}: no such file",
            OneErrorLine(Replay("--config", At("nofile.json"))));
        File.WriteAllText(At("broken.json"), "{ \"replay\": { \"workers\": 2 ");
        Assert.StartsWith($"error: {At("broken.json")}: ", OneErrorLine(Replay("--config", At("broken.json"))));
        File.WriteAllText(At("typo.json"), "{ \"replay\": { \"wrokers\": 2 } }");
        Assert.Contains("'wrokers'", OneErrorLine(Replay("--config", At("typo.json"))));
        Assert.False(File.Exists(At("x.db")));
    }

    [Fact]
    public void Bad_dates_and_missing_inputs_are_one_line()
    {
        Assert.Equal("error: --date: '2024-13-45' is not a date (YYYY-MM-DD)",
            OneErrorLine("factors", "--store", At("s"), "--date", "2024-13-45", "--out", At("f.csv")));
        Assert.Equal($"error: {At("nostore")}: no such store directory",
            OneErrorLine("bars", "--store", At("nostore"), "--date", "2024-01-02", "--out", At("b.csv")));
        Assert.Equal($"error: {At("nomodel.model")}: model file not found", OneErrorLine("model", "show", At("nomodel.model")));
        Assert.Equal($"error: {Path.Combine(_dir, "features.db")}: no feature store (run `engine replay` first)",
            OneErrorLine("evaluate", "--store", _dir, "--from", "2024-01-02", "--to", "2024-01-03", "--out", At("ev")));
        Assert.False(File.Exists(At("f.csv")) || File.Exists(At("b.csv")) || Directory.Exists(At("ev")));
    }
}
