namespace FederatedHe.Crypto;

/// <summary>
/// Thrown when a serialized payload (parameters, key, ciphertext, encrypted vector) is malformed,
/// truncated, hostile or of an unsupported version.
/// </summary>
/// <remarks>Carries the field being read and its byte offset in the payload so a bad file can be diagnosed.</remarks>
public sealed class CkksFormatException : FormatException
{
    /// <summary>Creates the exception for <paramref name="field"/> at byte <paramref name="offset"/>.</summary>
    public CkksFormatException(string field, long offset, string message)
        : base($"Invalid CKKS payload at offset {offset}, field '{field}': {message}")
    {
        Field = field;
        Offset = offset;
    }

    /// <summary>Creates the exception for <paramref name="field"/> at byte <paramref name="offset"/>, wrapping the cause.</summary>
    public CkksFormatException(string field, long offset, string message, Exception innerException)
        : base($"Invalid CKKS payload at offset {offset}, field '{field}': {message}", innerException)
    {
        Field = field;
        Offset = offset;
    }

    /// <summary>Name of the field that failed validation (e.g. "magic", "c0.limb1").</summary>
    public string Field { get; }

    /// <summary>Byte offset of the field from the start of the payload.</summary>
    public long Offset { get; }
}

/// <summary>
/// Thrown when keys, plaintexts or ciphertexts made under one parameter set are used with another.
/// </summary>
public sealed class ParameterSetMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception naming the material and both parameter-set identifiers.</summary>
    public ParameterSetMismatchException(string material, string expectedId, string actualId)
        : base($"{material} belongs to parameter set {actualId}, but parameter set {expectedId} was expected.")
    {
        Material = material;
        ExpectedId = expectedId;
        ActualId = actualId;
    }

    /// <summary>What was refused (e.g. "ciphertext", "public key").</summary>
    public string Material { get; }

    /// <summary>Hex identifier of the parameter set in use.</summary>
    public string ExpectedId { get; }

    /// <summary>Hex identifier carried by the refused material.</summary>
    public string ActualId { get; }
}

/// <summary>Thrown when a parameter literal is malformed (bad ring degree, moduli, scale).</summary>
public class CkksParameterException : ArgumentException
{
    /// <summary>Creates the exception for the named literal field.</summary>
    public CkksParameterException(string field, string message)
        : base($"Invalid CKKS parameters, field '{field}': {message}", field)
    {
        Field = field;
    }

    /// <summary>The literal field that is invalid.</summary>
    public string Field { get; }
}

/// <summary>
/// Thrown when a parameter set does not reach 128-bit classical security according to the
/// HomomorphicEncryption.org standard and insecure sets were not explicitly allowed.
/// </summary>
public sealed class InsecureParametersException : CkksParameterException
{
    /// <summary>Creates the exception with the modulus size found and the largest one allowed.</summary>
    public InsecureParametersException(int logN, double logQP, int maxLogQP)
        : base("LogQ", $"log2(Q*P) = {logQP:F2} exceeds {maxLogQP} bits, the 128-bit classical security limit for N = 2^{logN} with a ternary secret (HomomorphicEncryption.org standard).")
    {
        LogN = logN;
        LogQP = logQP;
        MaxLogQP = maxLogQP;
    }

    /// <summary>log2 of the ring dimension.</summary>
    public int LogN { get; }

    /// <summary>log2 of the whole modulus Q·P of the refused set.</summary>
    public double LogQP { get; }

    /// <summary>Largest log2(Q·P) allowed for this ring dimension.</summary>
    public int MaxLogQP { get; }
}

/// <summary>Thrown when a homomorphic operation is impossible at the operands' levels or scales.</summary>
public class CkksOperationException : InvalidOperationException
{
    /// <summary>Creates the exception with a message that names the operation.</summary>
    public CkksOperationException(string message) : base(message)
    {
    }
}

/// <summary>Thrown when operands have incompatible levels (e.g. rescaling a level-0 ciphertext).</summary>
public sealed class LevelMismatchException : CkksOperationException
{
    /// <summary>Creates the exception with a message that names the operation and levels.</summary>
    public LevelMismatchException(string message) : base(message)
    {
    }
}

/// <summary>Thrown when ciphertexts or plaintexts with different scales are added or subtracted.</summary>
public sealed class ScaleMismatchException : CkksOperationException
{
    /// <summary>Creates the exception naming both scales.</summary>
    public ScaleMismatchException(double left, double right)
        : base($"Operands have different scales ({left:R} vs {right:R}); rescale or re-encode one of them first.")
    {
        Left = left;
        Right = right;
    }

    /// <summary>Scale of the left operand.</summary>
    public double Left { get; }

    /// <summary>Scale of the right operand.</summary>
    public double Right { get; }
}

/// <summary>
/// Thrown when a value to encode is NaN or infinite: CKKS encodes finite reals only, and a non-finite
/// weight would silently poison every aggregate it is added to.
/// </summary>
public sealed class NonFiniteValueException : ArgumentException
{
    /// <summary>Creates the exception naming the position and the offending value.</summary>
    public NonFiniteValueException(int index, double value)
        : base($"Value {index} is {value}; only finite values can be encoded.", "values")
    {
        Index = index;
        Value = value;
    }

    /// <summary>Position of the first non-finite value in the input.</summary>
    public int Index { get; }

    /// <summary>The non-finite value (NaN, +∞ or −∞).</summary>
    public double Value { get; }
}

/// <summary>
/// Thrown when a seed of a secret-key ciphertext would be used twice: two ciphertexts under the same secret
/// with the same c1 = a reveal the difference of their plaintexts (c0 − c0' = m − m' + e − e'), and a sum
/// holding one contribution twice is not the sum that was asked for.
/// </summary>
public sealed class SeedReuseException : CkksOperationException
{
    /// <summary>Creates the exception.</summary>
    public SeedReuseException(string message)
        : base(message)
    {
    }
}
