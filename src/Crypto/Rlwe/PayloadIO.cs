using System.Buffers;

namespace FederatedHe.Crypto.Rlwe;

/// <summary>Shared plumbing for the payload types' <c>WriteTo</c>/<c>ReadFrom</c>/<c>ToBytes</c>/<c>FromBytes</c>.</summary>
internal static class PayloadIO
{
    public delegate void BodyWriter(Span<byte> body);

    public delegate T BodyParser<out T>(ReadOnlySpan<byte> body, long bodyOffset, ulong declaredLength);

    public static byte[] ToBytes(PayloadKind kind, ParameterSetId id, int bodyLength, BodyWriter writeBody)
    {
        var bytes = new byte[WireFormat.HeaderLength + bodyLength];
        WireFormat.WriteHeader(bytes, kind, id, bodyLength);
        writeBody(bytes.AsSpan(WireFormat.HeaderLength));
        return bytes;
    }

    public static void WriteTo(Stream stream, PayloadKind kind, ParameterSetId id, int bodyLength, BodyWriter writeBody)
    {
        ArgumentNullException.ThrowIfNull(stream);
        int total = WireFormat.HeaderLength + bodyLength;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            Span<byte> span = buffer.AsSpan(0, total);
            WireFormat.WriteHeader(span, kind, id, bodyLength);
            writeBody(span[WireFormat.HeaderLength..]);
            stream.Write(span);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static T FromBytes<T>(ReadOnlySpan<byte> bytes, PayloadKind kind, RlweParameters? parameters, string material, long maxBodyLength, BodyParser<T> parse)
    {
        var (id, declared) = WireFormat.ReadHeader(bytes, kind);
        if (parameters is not null)
        {
            WireFormat.CheckId(parameters.Id, id, material);
        }

        if (declared > (ulong)maxBodyLength)
        {
            throw new CkksFormatException("length", 40, $"body length {declared} exceeds the largest {material} of this parameter set ({maxBodyLength} bytes).");
        }

        long available = bytes.Length - WireFormat.HeaderLength;
        if ((ulong)available < declared)
        {
            throw new CkksFormatException("body", bytes.Length, $"truncated: {available} of {declared} body bytes.");
        }

        if ((ulong)available > declared)
        {
            throw new CkksFormatException("body", WireFormat.HeaderLength + (long)declared, $"{(ulong)available - declared} trailing bytes after the payload.");
        }

        return parse(bytes[WireFormat.HeaderLength..], WireFormat.HeaderLength, declared);
    }

    public static T ReadFrom<T>(Stream stream, PayloadKind kind, RlweParameters? parameters, string material, long maxBodyLength, BodyParser<T> parse)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> header = stackalloc byte[WireFormat.HeaderLength];
        WireFormat.ReadExactly(stream, header, "header", 0);
        var (id, declared) = WireFormat.ReadHeader(header, kind);
        if (parameters is not null)
        {
            WireFormat.CheckId(parameters.Id, id, material);
        }

        if (declared > (ulong)maxBodyLength)
        {
            throw new CkksFormatException("length", 40, $"body length {declared} exceeds the largest {material} of this parameter set ({maxBodyLength} bytes).");
        }

        int length = (int)declared;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            WireFormat.ReadExactly(stream, buffer.AsSpan(0, length), "body", WireFormat.HeaderLength);
            return parse(buffer.AsSpan(0, length), WireFormat.HeaderLength, declared);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static void Require(ReadOnlySpan<byte> body, int needed, string field, long offset)
    {
        if (body.Length < needed)
        {
            throw new CkksFormatException(field, offset + body.Length, $"truncated: {body.Length} of {needed} bytes.");
        }
    }
}
