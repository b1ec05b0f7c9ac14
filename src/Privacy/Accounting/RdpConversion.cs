namespace FederatedHe.Privacy.Accounting;

/// <summary>How a Rényi DP curve is turned into an (ε, δ) guarantee.</summary>
public enum RdpConversion
{
    /// <summary>
    /// ε = RDP(α) + ln((α − 1)/α) − (ln δ + ln α)/(α − 1), minimised over α: Balle, Barthe, Gaboardi, Hsu
    /// and Sato, "Hypothesis Testing Interpretations and Rényi Differential Privacy" (AISTATS 2020),
    /// Theorem 21; Canonne, Kamath and Steinke (NeurIPS 2020, Proposition 12) give the same bound. It is
    /// never worse than <see cref="Classic"/> and is what Opacus and Google's dp-accounting use today.
    /// The default.
    /// </summary>
    BalleEtAl2020,

    /// <summary>
    /// ε = RDP(α) + ln(1/δ)/(α − 1), minimised over α: Mironov, "Rényi Differential Privacy" (CSF 2017),
    /// Proposition 3. Looser; kept because older published figures (TF-Privacy's 2018–2019 tutorials)
    /// were computed with it, and matching a reference means matching its conversion.
    /// </summary>
    Classic,
}

/// <summary>An (ε, δ)-DP guarantee derived from an accountant.</summary>
/// <param name="Epsilon">ε; +∞ when no order gives a finite bound (for example with zero noise).</param>
/// <param name="Delta">δ, as asked for.</param>
/// <param name="Order">The Rényi order at which the conversion was tightest.</param>
/// <param name="Conversion">The RDP-to-(ε, δ) conversion used.</param>
/// <param name="WeakenedRounds">
/// Distributed-noise rounds in which more hospitals dropped out than the calibration tolerates, so less
/// noise than planned reached the sum; ε already includes their larger cost. Reports must show this
/// count whenever it is above zero.
/// </param>
public sealed record PrivacyGuarantee(double Epsilon, double Delta, double Order, RdpConversion Conversion, int WeakenedRounds)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"(ε = {Epsilon:0.###}, δ = {Delta:G3}) at Rényi order {Order:0.##}" + (WeakenedRounds > 0 ? $", {WeakenedRounds} weakened round(s)" : "");
}
