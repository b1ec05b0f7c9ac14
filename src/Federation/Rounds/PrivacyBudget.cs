namespace FederatedHe.Federation.Rounds;

/// <summary>
/// The privacy-budget seam of the round machine: what the federation has spent after a number of released training
/// rounds, and the budget. The accounting itself lives in FederatedHe.Privacy; the coordinator adapts it. With a budget,
/// the machine reports ε with every concluded round and finishes the federation before a round that would exceed it.
/// </summary>
/// <remarks>Implementations are pure: the same round count gives the same ε (a resumed federation spends by its round number).</remarks>
public interface IPrivacyBudget
{
    /// <summary>The budget ε; no round starts that would take the spending above it.</summary>
    double TargetEpsilon { get; }

    /// <summary>δ of every reported ε.</summary>
    double Delta { get; }

    /// <summary>ε spent once <paramref name="rounds"/> training rounds (from round 1) have been aggregated and released.</summary>
    double EpsilonAfter(int rounds);
}

/// <summary>The privacy spent so far, as a concluded round reports it.</summary>
/// <param name="Epsilon">ε spent after this round, at <paramref name="Delta"/>.</param>
/// <param name="Delta">δ.</param>
/// <param name="TargetEpsilon">The budget.</param>
public sealed record PrivacySpent(double Epsilon, double Delta, double TargetEpsilon);
