using System.Globalization;
using System.Text;
using Sig.Models.Nn;

namespace Sig.Models.Files;

/// <summary>
/// Writes a network state as JSON under PyTorch state_dict names and shapes:
/// <c>{"architecture":…,"hyper_parameters":{…},"state_dict":{name:{"shape":[…],"dtype":"float32"|"int64","data":[…]}}}</c>;
/// a num_batches_tracked counter is int64 with shape [] as in PyTorch. Values are written with
/// round-trip precision, so loading them into float32 tensors restores the exact weights.
/// </summary>
public static class StateDictExport
{
    public static string ToJson(ModelHeader header, IReadOnlyList<ModelTensor> tensors)
    {
        var sb = new StringBuilder();
        sb.Append("{\"architecture\":\"").Append(header.Architecture).Append("\",\"hyper_parameters\":{");
        sb.AppendJoin(',', header.HyperParameters.Select(kv => $"\"{kv.Key}\":\"{kv.Value}\""));
        sb.Append("},\"state_dict\":{");
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            if (i > 0) sb.Append(',');
            bool counter = t.Kind == StateKind.Counter;
            sb.Append('"').Append(t.Name).Append("\":{\"shape\":[").AppendJoin(',', t.Shape).Append("],\"dtype\":\"")
              .Append(counter ? "int64" : "float32").Append("\",\"data\":[");
            sb.AppendJoin(',', t.Data.Select(v => counter ? ((long)v).ToString(CultureInfo.InvariantCulture) : v.ToString("R", CultureInfo.InvariantCulture)));
            sb.Append("]}");
        }
        sb.Append("}}");
        return sb.ToString();
    }
}
