using System.Globalization;
using FederatedHe.Actors.Spec;

namespace FederatedHe.Host.Cli;

/// <summary>
/// The dry run of a spec's differential privacy: the ε it will spend, per round and in total, and where the budget stops it,
/// computed by the same accountant the coordinator uses, before anything runs.
/// </summary>
internal static class PrivacyForecast
{
    /// <summary>Rounds listed one by one before the list is shortened to its start and end.</summary>
    private const int ListedRounds = 12;

    /// <summary>The forecast's lines; one line saying DP is off when <c>fedhe.privacy.mode = none</c>.</summary>
    public static IReadOnlyList<string> Lines(FederationSpec spec)
    {
        if (spec.PrivacyPlan() is not { } plan)
            return ["privacy: none (fedhe.privacy.mode = none): the global model is not differentially private"];
        var rounds = spec.Federation.Rounds;
        var allowed = plan.RoundsWithinBudget;
        var shown = Math.Min(rounds, allowed + 1);
        var listed = Enumerable.Range(1, shown).Where(r => shown <= ListedRounds || r <= ListedRounds / 2 || r > shown - ListedRounds / 2)
            .Select(r => F($"{r}: {plan.EpsilonAfter(r):0.###}") + (r > allowed ? " (over budget)" : string.Empty)).ToList();
        if (shown > ListedRounds)
            listed.Insert(ListedRounds / 2, "…");
        var lines = new List<string>
        {
            $"privacy: {FederationSpecWriter.PrivacyModeName(spec.Privacy.Mode)} mode, protects {plan.ProtectedUnit}; {plan.Mechanism}",
            F($"privacy: ε after round (δ = {plan.Delta:0.##E+0}) {string.Join(", ", listed)}"),
            F($"privacy: the first round spends ε = {plan.EpsilonAfter(1):0.###}; all {rounds} rounds would spend ε = {plan.EpsilonAfter(rounds):0.###}"),
        };
        lines.Add(allowed >= rounds
            ? F($"privacy: within the budget target-epsilon = {plan.TargetEpsilon:0.###}: every round runs")
            : allowed == 0
                ? F($"privacy: target-epsilon = {plan.TargetEpsilon:0.###} affords no training round: the federation would fail before round 1")
                : F($"privacy: target-epsilon = {plan.TargetEpsilon:0.###} stops the federation after round {allowed} of {rounds} (ε = {plan.EpsilonAfter(allowed):0.###})"));
        return lines;
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
