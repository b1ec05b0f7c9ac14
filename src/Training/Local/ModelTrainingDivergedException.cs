namespace FederatedHe.Training.Local;

/// <summary>Local training produced a NaN or infinite loss, so its parameters are unusable.</summary>
public sealed class ModelTrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelTrainingDivergedException(string message, int epoch) : base(message) => Epoch = epoch;

    /// <summary>The 1-based epoch in which the loss diverged.</summary>
    public int Epoch { get; }
}
