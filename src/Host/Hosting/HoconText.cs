namespace FederatedHe.Host.Hosting;

/// <summary>Text spliced into generated HOCON.</summary>
public static class HoconText
{
    /// <summary>A HOCON quoted string holding <paramref name="value"/> exactly (backslashes and quotes escaped).</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
