using System.Buffers.Binary;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Ckks;

/// <summary>
/// A real vector of any length encrypted as consecutive ciphertexts of N/2 slots each: chunk k holds
/// elements [k·N/2, min((k+1)·N/2, Length)); unused slots of the last chunk hold zeros.
/// </summary>
/// <remarks>
/// <para>Chunks are ordinary <see cref="Ciphertext"/>s, so they can be sent, stored or processed one at
/// a time (see <see cref="VectorEvaluator"/> overloads taking a chunk range).</para>
/// <para>Wire body: length u64, chunk count u32, then each chunk as a complete ciphertext payload
/// (header included). Not thread-safe for concurrent writes to the same chunk.</para>
/// </remarks>
public sealed class EncryptedVector
{
    private const int FixedBodyLength = 12;
    private readonly Ciphertext[] _chunks;

    /// <summary>Wraps ciphertexts as a vector of <paramref name="length"/> elements.</summary>
    /// <exception cref="ArgumentException">The chunk count is not ceil(length / slots), or a chunk belongs to another parameter set.</exception>
    public EncryptedVector(CkksParameters parameters, int length, IEnumerable<Ciphertext> chunks)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Parameters = parameters;
        Length = length;
        _chunks = chunks.ToArray();
        if (_chunks.Length != ChunkCountFor(parameters, length))
        {
            throw new ArgumentException($"A vector of {length} elements needs {ChunkCountFor(parameters, length)} chunks, not {_chunks.Length}.", nameof(chunks));
        }

        foreach (var chunk in _chunks)
        {
            ArgumentNullException.ThrowIfNull(chunk, nameof(chunks));
            parameters.EnsureSameSet(chunk.ParameterSetId, "vector chunk");
        }
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>Number of logical elements.</summary>
    public int Length { get; }

    /// <summary>Number of ciphertexts.</summary>
    public int ChunkCount => _chunks.Length;

    /// <summary>The ciphertexts, in element order.</summary>
    public IReadOnlyList<Ciphertext> Chunks => _chunks;

    /// <summary>The ciphertext of chunk <paramref name="index"/>.</summary>
    public Ciphertext this[int index] => _chunks[index];

    /// <summary>Bytes of <see cref="ToBytes"/> (header included).</summary>
    public long SerializedSize => WireFormat.HeaderLength + BodyLength;

    private long BodyLength => FixedBodyLength + _chunks.Sum(c => (long)c.SerializedSize);

    /// <summary>Number of ciphertexts a vector of <paramref name="length"/> elements takes.</summary>
    public static int ChunkCountFor(CkksParameters parameters, int length)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return (int)(((long)length + parameters.SlotCount - 1) / parameters.SlotCount);
    }

    /// <summary>The element range of chunk <paramref name="index"/> in a vector of <paramref name="length"/> elements.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk index is out of range.</exception>
    public static (int Offset, int Count) ChunkRange(CkksParameters parameters, int length, int index)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (index < 0 || index >= ChunkCountFor(parameters, length))
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, "No such chunk.");
        }

        int offset = index * parameters.SlotCount;
        return (offset, Math.Min(parameters.SlotCount, length - offset));
    }

    /// <summary>A deep copy.</summary>
    public EncryptedVector Clone() => new(Parameters, Length, _chunks.Select(c => c.Clone()));

    /// <summary>Serializes the vector (header, length, chunk count, chunk payloads).</summary>
    /// <exception cref="InvalidOperationException">The vector exceeds 2 GiB serialized; use <see cref="WriteTo"/>.</exception>
    public byte[] ToBytes()
    {
        long total = SerializedSize;
        if (total > Array.MaxLength)
        {
            throw new InvalidOperationException("The serialized vector exceeds the largest array; use WriteTo(Stream).");
        }

        using var stream = new MemoryStream((int)total);
        WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>Writes the serialized vector to <paramref name="stream"/>, one chunk at a time.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[WireFormat.HeaderLength + FixedBodyLength];
        WireFormat.WriteHeader(prefix, PayloadKind.EncryptedVector, Parameters.Id, BodyLength);
        BinaryPrimitives.WriteUInt64LittleEndian(prefix[WireFormat.HeaderLength..], (ulong)Length);
        BinaryPrimitives.WriteUInt32LittleEndian(prefix[(WireFormat.HeaderLength + 8)..], (uint)_chunks.Length);
        stream.Write(prefix);
        foreach (var chunk in _chunks)
        {
            chunk.WriteTo(stream);
        }
    }

    /// <summary>Reads a vector of <paramref name="parameters"/> from a byte array holding exactly one payload.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated or has trailing bytes.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload or a chunk belongs to another parameter set.</exception>
    public static EncryptedVector FromBytes(CkksParameters parameters, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var (id, declared) = WireFormat.ReadHeader(bytes, PayloadKind.EncryptedVector);
        WireFormat.CheckId(parameters.Id, id, "encrypted vector");
        if ((ulong)(bytes.Length - WireFormat.HeaderLength) != declared)
        {
            throw new CkksFormatException("length", 40, $"body length {declared} but {bytes.Length - WireFormat.HeaderLength} bytes follow the header.");
        }

        ReadOnlySpan<byte> body = bytes[WireFormat.HeaderLength..];
        PayloadIO.Require(body, FixedBodyLength, "vectorLength", WireFormat.HeaderLength);
        var (length, count) = ParsePrefix(parameters, body, declared);
        var chunks = new List<Ciphertext>(Math.Min(count, 1024));
        int position = FixedBodyLength;
        for (int k = 0; k < count; k++)
        {
            long chunkOffset = WireFormat.HeaderLength + position;
            PayloadIO.Require(body[position..], WireFormat.HeaderLength, $"chunk{k}.header", chunkOffset);
            var (_, chunkBody) = WireFormat.ReadHeader(body[position..], PayloadKind.Ciphertext, chunkOffset);
            long remaining = body.Length - position - WireFormat.HeaderLength;
            if (chunkBody > (ulong)remaining)
            {
                throw new CkksFormatException($"chunk{k}.length", chunkOffset + 40, $"chunk of {chunkBody} bytes but only {remaining} remain.");
            }

            int chunkLength = WireFormat.HeaderLength + (int)chunkBody;
            chunks.Add(ReadChunk(parameters, body.Slice(position, chunkLength), k, chunkOffset));
            position += chunkLength;
        }

        if (position != body.Length)
        {
            throw new CkksFormatException("body", WireFormat.HeaderLength + position, $"{body.Length - position} trailing bytes after the last chunk.");
        }

        return new EncryptedVector(parameters, length, chunks);
    }

    /// <summary>
    /// Reads one vector payload of <paramref name="parameters"/> from <paramref name="stream"/>, one chunk at
    /// a time. The declared body length is checked against the largest the element count and the parameter
    /// set allow before any chunk is read.
    /// </summary>
    /// <exception cref="CkksFormatException">The payload is malformed or truncated, or declares more bytes than its chunks can take.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload or a chunk belongs to another parameter set.</exception>
    public static EncryptedVector ReadFrom(CkksParameters parameters, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[WireFormat.HeaderLength + FixedBodyLength];
        WireFormat.ReadExactly(stream, prefix, "header", 0);
        var (id, declared) = WireFormat.ReadHeader(prefix, PayloadKind.EncryptedVector);
        WireFormat.CheckId(parameters.Id, id, "encrypted vector");
        var (length, count) = ParsePrefix(parameters, prefix[WireFormat.HeaderLength..], declared);
        var chunks = new List<Ciphertext>(Math.Min(count, 1024));
        long consumed = FixedBodyLength;
        var counting = new CountingStream(stream);
        for (int k = 0; k < count; k++)
        {
            long chunkOffset = WireFormat.HeaderLength + consumed;
            long before = counting.Position;
            try
            {
                chunks.Add(Ciphertext.ReadFrom(parameters, counting));
            }
            catch (CkksFormatException ex)
            {
                throw new CkksFormatException($"chunk{k}.{ex.Field}", chunkOffset + ex.Offset, ex.Message, ex);
            }

            consumed += counting.Position - before;
            if ((ulong)consumed > declared)
            {
                throw new CkksFormatException($"chunk{k}", chunkOffset, $"the chunks exceed the declared body length {declared}.");
            }
        }

        if ((ulong)consumed != declared)
        {
            throw new CkksFormatException("length", 40, $"body length {declared} but the chunks take {consumed} bytes.");
        }

        return new EncryptedVector(parameters, length, chunks);
    }

    private static (int Length, int Count) ParsePrefix(CkksParameters parameters, ReadOnlySpan<byte> body, ulong declared)
    {
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(body);
        if (length > int.MaxValue)
        {
            throw new CkksFormatException("vectorLength", WireFormat.HeaderLength, $"length {length} exceeds {int.MaxValue}.");
        }

        uint count = BinaryPrimitives.ReadUInt32LittleEndian(body[8..]);
        int expectedCount = ChunkCountFor(parameters, (int)length);
        if (count != (uint)expectedCount)
        {
            throw new CkksFormatException("chunkCount", WireFormat.HeaderLength + 8, $"{count} chunks for {length} elements; {expectedCount} expected.");
        }

        // Every chunk takes at least a header and the fixed ciphertext fields, which bounds the count by the declared length.
        ulong minimum = FixedBodyLength + ((ulong)count * (WireFormat.HeaderLength + 10));
        if (declared < minimum)
        {
            throw new CkksFormatException("length", 40, $"body length {declared} is too small for {count} chunks.");
        }

        // And at most the largest ciphertext of the parameter set: a reader never waits for, or buffers, more.
        ulong maximum = FixedBodyLength + ((ulong)count * (ulong)Ciphertext.MaxSerializedSize(parameters));
        if (declared > maximum)
        {
            throw new CkksFormatException("length", 40, $"body length {declared} exceeds the {maximum} bytes that {count} chunks of this parameter set can take.");
        }

        return ((int)length, (int)count);
    }

    private static Ciphertext ReadChunk(CkksParameters parameters, ReadOnlySpan<byte> bytes, int index, long offset)
    {
        try
        {
            return Ciphertext.FromBytes(parameters, bytes);
        }
        catch (CkksFormatException ex)
        {
            throw new CkksFormatException($"chunk{index}.{ex.Field}", offset + ex.Offset, ex.Message, ex);
        }
    }

    /// <summary>A read-only pass-through that counts the bytes read.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read = inner.Read(buffer);
            _position += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
