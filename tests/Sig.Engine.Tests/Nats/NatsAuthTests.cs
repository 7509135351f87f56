using NATS.Client.Core;
using Sig.Engine.Nats;
using Xunit;

namespace Sig.Engine.Tests.Nats;

/// <summary>
/// The engine's client settings (<see cref="NatsClientSettings"/>) against nats-servers configured for
/// each kind of authentication: the official client connects with them, and a wrong credential is a
/// clear authorization error.
/// </summary>
public class NatsAuthTests
{
    private static async Task<Exception> RefusedAsync(NatsOpts options)
    {
        await using var nats = new NatsConnection(options with { MaxReconnectRetry = 0 });
        var error = await Assert.ThrowsAnyAsync<NatsException>(async () => await nats.ConnectAsync());
        Assert.True(NatsErrors.IsAuthError(error), NatsErrors.Describe(error));
        return error;
    }

    private static NatsOpts WithAuth(NatsOpts o, NatsAuthOpts auth) => o with { AuthOpts = auth };

    [Fact]
    public async Task User_and_password_authenticate_and_wrong_ones_are_a_clear_auth_error()
    {
        await using var server = await NatsServerFixture.StartAsync(["--user", "engine", "--pass", "s3cret"]);
        await using (var ok = await server.ConnectAsync(o => WithAuth(o, new NatsAuthOpts { Username = "engine", Password = "s3cret" })))
            await ok.PingAsync();
        await using (var fromUrl = await server.ConnectAsync(o => o with { Url = $"nats://engine:s3cret@127.0.0.1:{server.Port}" }))
            await fromUrl.PingAsync();
        // From the environment, as the engine's commands read it.
        var fromEnv = NatsClientSettings.From(new Sig.Engine.Config.NatsOptions { Url = server.Url }, null, "auth-test",
            v => v switch { NatsClientSettings.UserVariable => "engine", NatsClientSettings.PasswordVariable => "s3cret", _ => null });
        await using (var env = new NatsConnection(fromEnv))
            await env.PingAsync();

        var error = await RefusedAsync(WithAuth(server.ClientOptions(), new NatsAuthOpts { Username = "engine", Password = "wrong" }));
        string line = NatsErrors.Describe(error);
        Assert.Contains("Authorization Violation", line);
        Assert.Contains(NatsClientSettings.PasswordVariable, line);
        Assert.DoesNotContain("wrong", line);
        await RefusedAsync(server.ClientOptions());
    }

    [Fact]
    public async Task Token_authenticates()
    {
        await using var server = await NatsServerFixture.StartAsync(["--auth", "tok123"]);
        var fromConfig = NatsClientSettings.From(new Sig.Engine.Config.NatsOptions { Url = server.Url, Token = "tok123" }, null, "token-test", _ => null);
        await using (var ok = new NatsConnection(fromConfig))
            await ok.PingAsync();
        await RefusedAsync(WithAuth(server.ClientOptions(), new NatsAuthOpts { Token = "nope" }));
    }

    [Fact]
    public async Task Small_configured_max_payload_is_enforced_by_the_client()
    {
        await using var server = await NatsServerFixture.StartAsync(configText: "max_payload: 1024\n");
        await using var nats = await server.ConnectAsync();
        Assert.Equal(1024, nats.ServerInfo!.MaxPayload);
        await using var sub = await nats.SubscribeCoreAsync<byte[]>("p");
        await nats.PingAsync();
        await nats.PublishAsync("p", new byte[1024]);
        Assert.Equal(1024, (await NatsTestKit.NextAsync(sub)).Data!.Length);
        await Assert.ThrowsAsync<NatsPayloadTooLargeException>(async () => await nats.PublishAsync("p", new byte[1025]));
        // Headers count toward the limit too.
        await Assert.ThrowsAsync<NatsPayloadTooLargeException>(async () =>
            await nats.PublishAsync("p", new byte[1000], new NatsHeaders { ["K"] = new string('v', 30) }));
    }

    [Fact]
    public async Task An_nkey_seed_file_from_the_environment_authenticates_and_a_foreign_seed_is_refused()
    {
        var user = NATS.NKeys.KeyPair.CreatePair(NATS.NKeys.PrefixByte.User);
        await using var server = await NatsServerFixture.StartAsync(configText: $"authorization {{ users = [ {{ nkey: {user.GetPublicKey()} }} ] }}\n");
        string dir = Directory.CreateTempSubdirectory("nkey-").FullName;
        try
        {
            string seedFile = Path.Combine(dir, "engine.nk"), foreignFile = Path.Combine(dir, "foreign.nk"), brokenFile = Path.Combine(dir, "broken.nk");
            File.WriteAllText(seedFile, user.GetSeed() + "\n");
            File.WriteAllText(foreignFile, NATS.NKeys.KeyPair.CreatePair(NATS.NKeys.PrefixByte.User).GetSeed());
            File.WriteAllText(brokenFile, "SUNOTASEED");
            NatsOpts Options(string file) => NatsClientSettings.From(new Sig.Engine.Config.NatsOptions { Url = server.Url }, null, "nkey-test",
                name => name == NatsClientSettings.NKeyVariable ? file : null);

            await using (var ok = new NatsConnection(Options(seedFile)))
                await ok.PingAsync();
            await RefusedAsync(Options(foreignFile));
            var broken = Assert.Throws<InvalidDataException>(() => Options(brokenFile));
            Assert.Contains(brokenFile, broken.Message);
            Assert.DoesNotContain("SUNOTASEED", broken.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A JWT as nsc would issue it: header, claims, Ed25519 signature by the issuer (base64url, no padding).</summary>
    private static string Jwt(NATS.NKeys.KeyPair issuer, string subject, string nats)
    {
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        string header = B64(System.Text.Encoding.UTF8.GetBytes("{\"typ\":\"JWT\",\"alg\":\"ed25519-nkey\"}"));
        string claims = B64(System.Text.Encoding.UTF8.GetBytes(
            $"{{\"jti\":\"{Guid.NewGuid():N}\",\"iat\":1700000000,\"iss\":\"{issuer.GetPublicKey()}\",\"name\":\"t\",\"sub\":\"{subject}\",\"nats\":{nats}}}"));
        var signature = new byte[64];
        issuer.Sign(System.Text.Encoding.ASCII.GetBytes(header + "." + claims), signature);
        return header + "." + claims + "." + B64(signature);
    }

    [Fact]
    public async Task A_creds_file_authenticates_against_an_operator_mode_server()
    {
        var op = NATS.NKeys.KeyPair.CreatePair(NATS.NKeys.PrefixByte.Operator);
        var account = NATS.NKeys.KeyPair.CreatePair(NATS.NKeys.PrefixByte.Account);
        var user = NATS.NKeys.KeyPair.CreatePair(NATS.NKeys.PrefixByte.User);
        string opJwt = Jwt(op, op.GetPublicKey(), "{\"type\":\"operator\",\"version\":2}");
        string accountJwt = Jwt(op, account.GetPublicKey(),
            "{\"limits\":{\"subs\":-1,\"data\":-1,\"payload\":-1,\"imports\":-1,\"exports\":-1,\"wildcards\":true,\"conn\":-1,\"leaf\":-1},\"type\":\"account\",\"version\":2}");
        string userJwt = Jwt(account, user.GetPublicKey(), "{\"pub\":{},\"sub\":{},\"subs\":-1,\"data\":-1,\"payload\":-1,\"type\":\"user\",\"version\":2}");
        // JetStream (the test server runs with -js) needs a system account in operator mode.
        var system = NATS.NKeys.KeyPair.CreatePair(NATS.NKeys.PrefixByte.Account);
        string systemJwt = Jwt(op, system.GetPublicKey(), "{\"limits\":{\"subs\":-1,\"data\":-1,\"payload\":-1,\"imports\":-1,\"exports\":-1,\"wildcards\":true,\"conn\":-1,\"leaf\":-1},\"type\":\"account\",\"version\":2}");
        await using var server = await NatsServerFixture.StartAsync(configText:
            $"operator: {opJwt}\nsystem_account: {system.GetPublicKey()}\nresolver: MEMORY\n" +
            $"resolver_preload: {{\n  {account.GetPublicKey()}: {accountJwt}\n  {system.GetPublicKey()}: {systemJwt}\n}}\n");
        string dir = Directory.CreateTempSubdirectory("creds-").FullName;
        try
        {
            string creds = Path.Combine(dir, "user.creds");
            File.WriteAllText(creds, $"-----BEGIN NATS USER JWT-----\n{userJwt}\n------END NATS USER JWT------\n\n" +
                                     $"************************* IMPORTANT *************************\n\n-----BEGIN USER NKEY SEED-----\n{user.GetSeed()}\n------END USER NKEY SEED------\n");
            var options = NatsClientSettings.From(new Sig.Engine.Config.NatsOptions { Url = server.Url, CredsFile = creds }, null, "creds-test", _ => null);
            await using (var ok = new NatsConnection(options))
            {
                await using var sub = await ok.SubscribeCoreAsync<byte[]>("creds.check");
                await ok.PingAsync();
                await ok.PublishAsync("creds.check", new byte[] { 1 });
                Assert.Single((await NatsTestKit.NextAsync(sub)).Data!);
            }
            // The same JWT with another user's seed cannot sign the nonce.
            var stolen = WithAuth(options, new NatsAuthOpts { Jwt = userJwt, Seed = NATS.NKeys.KeyPair.CreatePair(NATS.NKeys.PrefixByte.User).GetSeed() });
            await RefusedAsync(stolen);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Credentials_in_urls_and_options_are_masked_wherever_they_are_printed()
    {
        Assert.Equal("nats://***@host:4222", NatsUrl.Redact("nats://alice:S3cret@host:4222"));
        Assert.Equal("connect nats://***@h:1 and tls://***@h:2 failed", NatsUrl.Redact("connect nats://tok@h:1 and tls://u:p@ss@h:2 failed"));
        Assert.Equal("nats://127.0.0.1:4222", NatsUrl.Redact("nats://127.0.0.1:4222"));
        Assert.Equal("NATS: cannot connect to nats://***@h:1", NatsErrors.Describe(new NatsException("can not connect uris: nats://alice:S3cret@h:1")));
        var config = new Sig.Engine.Config.EngineConfig { Nats = new Sig.Engine.Config.NatsOptions { Url = "nats://alice:S3cret@host:4222", Password = "S3cret", Token = "T0ken" } };
        Assert.DoesNotContain("S3cret", config.ToString());
        Assert.DoesNotContain("T0ken", config.ToString());
        // Credentials are not configuration: the hash does not depend on them.
        Assert.Equal(config.Hash, (config with { Nats = config.Nats with { Password = "other", Token = "other" } }).Hash);
    }

    [Fact]
    public async Task Unreachable_server_fails_connect_clearly()
    {
        int port = NatsServerFixture.FreePort();
        await using var nats = new NatsConnection(NatsClientSettings.Defaults($"nats://127.0.0.1:{port}", "unreachable") with { ConnectTimeout = TimeSpan.FromSeconds(1) });
        var error = await Assert.ThrowsAnyAsync<NatsException>(async () => await nats.ConnectAsync());
        Assert.Equal($"NATS: cannot connect to nats://127.0.0.1:{port}", NatsErrors.Describe(error));
    }
}
