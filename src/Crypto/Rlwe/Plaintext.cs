using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Rlwe;

/// <summary>
/// An encoded message: a polynomial in NTT form at a level, with the scale its values were
/// multiplied by.
/// </summary>
/// <remarks>Not thread-safe for concurrent writes.</remarks>
public sealed class Plaintext
{
    /// <summary>Creates a zero plaintext at <paramref name="level"/> with scale <paramref name="scale"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The level is outside [0, MaxLevel] or the scale is not positive.</exception>
    public Plaintext(RlweParameters parameters, int level, double scale)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, parameters.MaxLevel);
        if (!(scale > 0) || double.IsInfinity(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be positive and finite.");
        }

        ParameterSetId = parameters.Id;
        Value = new RnsPolynomial(parameters.N, parameters.MaxLevel + 1) { IsNttForm = true };
        Value.SetLimbCount(level + 1);
        Scale = scale;
    }

    /// <summary>The polynomial (NTT form).</summary>
    public RnsPolynomial Value { get; }

    /// <summary>The level: the polynomial has Level + 1 limbs.</summary>
    public int Level => Value.LimbCount - 1;

    /// <summary>The scale Δ the encoded values were multiplied by.</summary>
    public double Scale { get; set; }

    /// <summary>Identifier of the parameter set the plaintext belongs to.</summary>
    public ParameterSetId ParameterSetId { get; }

    /// <summary>Sets the level (number of limbs in use minus one) without touching residues.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The level exceeds the storage.</exception>
    public void SetLevel(int level) => Value.SetLimbCount(level + 1);
}
