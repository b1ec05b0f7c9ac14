namespace FederatedHe.Training.Models;

/// <summary>
/// A parameter vector cannot be loaded into a model: its length is wrong or it holds NaN or infinity
/// (for example a corrupt or wrongly decrypted aggregate).
/// </summary>
public sealed class ModelParameterException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelParameterException(string message, int expectedLength, int actualLength, int? invalidIndex = null)
        : base(message)
    {
        ExpectedLength = expectedLength;
        ActualLength = actualLength;
        InvalidIndex = invalidIndex;
    }

    /// <summary>The model's parameter count.</summary>
    public int ExpectedLength { get; }

    /// <summary>The length of the vector given.</summary>
    public int ActualLength { get; }

    /// <summary>The first index holding NaN or infinity, or null when the length was the problem.</summary>
    public int? InvalidIndex { get; }
}
