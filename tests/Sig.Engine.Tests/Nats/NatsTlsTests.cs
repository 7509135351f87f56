using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Sig.Engine.Nats;
using Xunit;

namespace Sig.Engine.Tests.Nats;

/// <summary>
/// TLS with credentials: a nats-server that requires TLS (certificate issued by a CA the test makes)
/// and a user/password. The engine's settings (<c>SIG_NATS_TLS_CA</c> / <c>nats.tlsCaFile</c> plus
/// credentials) connect, publish, subscribe and use JetStream; without the CA, with another CA, or
/// with a wrong password the connection is refused, and the error line holds no secret.
/// </summary>
public sealed class NatsTlsTests : IAsyncLifetime
{
    private const string User = "engine", Password = "tls-s3cret";
    private string _dir = null!;
    private string _caFile = null!, _otherCaFile = null!;
    private NatsServerFixture _server = null!;

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("nats-tls-").FullName;
        var validity = Validity();
        using var ca = CreateCa("sig test CA", validity);
        using var otherCa = CreateCa("another CA", validity);
        using var serverCert = Issue(ca, "localhost", validity);
        _caFile = Write("ca.pem", ca.ExportCertificatePem());
        _otherCaFile = Write("other-ca.pem", otherCa.ExportCertificatePem());
        string certFile = Write("server.pem", serverCert.ExportCertificatePem());
        string keyFile = Write("server-key.pem", serverCert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        string config = $"tls {{\n  cert_file: \"{certFile}\"\n  key_file: \"{keyFile}\"\n  timeout: 5\n}}\n" +
                        $"authorization {{\n  user: {User}\n  password: \"{Password}\"\n}}\n";
        _server = await NatsServerFixture.StartAsync(configText: config, readiness: Options(caFile: _caFile, user: User, password: Password));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Options as `engine` builds them from the environment (TLS CA, user, password).</summary>
    private NatsOpts Options(string? caFile, string? user, string? password) =>
        NatsClientSettings.From(new Sig.Engine.Config.NatsOptions { Url = _server?.Url ?? "nats://127.0.0.1:4222" }, null, "tls-test", variable => variable switch
        {
            NatsClientSettings.TlsCaVariable => caFile,
            NatsClientSettings.UserVariable => user,
            NatsClientSettings.PasswordVariable => password,
            _ => null,
        }) with { MaxReconnectRetry = 0 };

    // Certificate validity is wall-clock by nature: valid from an hour ago for a day.
    private static (DateTimeOffset From, DateTimeOffset To) Validity()
    {
        var now = DateTimeOffset.UtcNow; // wall-clock ok: certificate validity window, never shapes outputs
        return (now.AddHours(-1), now.AddDays(1));
    }

    private static X509Certificate2 CreateCa(string name, (DateTimeOffset From, DateTimeOffset To) validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(validity.From, validity.To);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string host, (DateTimeOffset From, DateTimeOffset To) validity)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server auth
        // Within the CA's window (an issued certificate may not outlive its issuer).
        using var issued = request.Create(ca, validity.From, validity.To.AddMinutes(-1), RandomNumberGenerator.GetBytes(16));
        return issued.CopyWithPrivateKey(key);
    }

    [Fact]
    public async Task The_ca_file_and_credentials_connect_over_tls_for_core_and_jetstream()
    {
        await using var nats = new NatsConnection(Options(_caFile, User, Password));
        await nats.ConnectAsync();
        Assert.True(nats.ServerInfo!.TlsRequired);

        await using var sub = await nats.SubscribeCoreAsync<byte[]>("tls.check");
        await nats.PingAsync();
        await nats.PublishAsync("tls.check", "over tls"u8.ToArray());
        Assert.Equal("over tls", Encoding.ASCII.GetString((await NatsTestKit.NextAsync(sub)).Data!));

        var js = new NatsJSContext(nats);
        var subjects = new MarketSubjects();
        var stream = await subjects.EnsureOutStreamAsync(js);
        await NatsTestKit.PublishToStreamAsync(nats, subjects.Digest, "{}"u8.ToArray(), "j:2024-03-04:1:digest");
        var last = await StoredMessages.GetLastAsync(stream, subjects.Digest);
        Assert.Equal("j:2024-03-04:1:digest", last!.MsgId);
    }

    [Fact]
    public async Task Without_the_ca_with_another_ca_or_with_a_wrong_password_the_connection_is_refused()
    {
        foreach (var options in new[] { Options(null, User, Password), Options(_otherCaFile, User, Password) })
        {
            await using var untrusted = new NatsConnection(options);
            var error = await Assert.ThrowsAnyAsync<NatsException>(async () => await untrusted.ConnectAsync());
            Assert.False(NatsErrors.IsAuthError(error), NatsErrors.Describe(error)); // refused by the certificate check, before any credential
            Assert.DoesNotContain(Password, NatsErrors.Describe(error));
        }

        await using var wrong = new NatsConnection(Options(_caFile, User, "not-the-password"));
        var refused = await Assert.ThrowsAnyAsync<NatsException>(async () => await wrong.ConnectAsync());
        Assert.True(NatsErrors.IsAuthError(refused), NatsErrors.Describe(refused));
        Assert.DoesNotContain("not-the-password", NatsErrors.Describe(refused));
    }

    [Fact]
    public void A_missing_or_unreadable_ca_file_is_one_clear_error_naming_the_file()
    {
        string missing = Path.Combine(_dir, "nope.pem");
        var notFound = Assert.Throws<FileNotFoundException>(() => Options(missing, User, Password));
        Assert.Contains(missing, notFound.Message);
        Assert.Contains(NatsClientSettings.TlsCaVariable, notFound.Message);
        string garbage = Write("garbage.pem", "not a certificate");
        var unreadable = Assert.Throws<InvalidDataException>(() => Options(garbage, User, Password));
        Assert.Contains(garbage, unreadable.Message);
    }
}
