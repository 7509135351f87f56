using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Sig.Models.Data;

/// <summary>SHA-256 over the exact training data (dates, symbols, shapes, inputs, labels, styles) recorded in model files.</summary>
public static class DatasetDigest
{
    public static string Of(IEnumerable<CrossSection> dates)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var cs in dates)
        {
            h.AppendData(Encoding.UTF8.GetBytes($"{cs.Date:yyyy-MM-dd}|{cs.Count}|{string.Join(',', cs.Symbols)}|"));
            foreach (var x in cs.Inputs)
            {
                h.AppendData(Encoding.UTF8.GetBytes($"[{x.N},{x.T},{x.F}]"));
                h.AppendData(MemoryMarshal.AsBytes(x.Data.AsSpan()));
            }
            h.AppendData(MemoryMarshal.AsBytes(cs.Labels.AsSpan()));
            if (cs.Styles is not null) h.AppendData(MemoryMarshal.AsBytes(cs.Styles.AsSpan()));
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }
}
