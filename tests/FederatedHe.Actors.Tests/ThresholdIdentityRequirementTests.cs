using Akka.TestKit.Xunit2;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Hospitals;
using FederatedHe.Actors.Nodes;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Training.Data;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Models;

namespace FederatedHe.Actors.Tests;

/// <summary>Threshold mode is only as strong as the parties' certificates: a node without them is refused before it starts, naming the node.</summary>
public sealed class ThresholdIdentityRequirementTests : TestKit
{
    private static readonly ThresholdParameters Threshold = ThresholdPresets.Params128BitLogN13LogQ160Threshold;

    private FederationSettings Settings => FederationSettings.Create(Sys) with { Mode = KeyMode.Threshold, Threshold = 2 };

    [Fact]
    public void A_threshold_hospital_without_a_certificate_or_without_the_federations_CA_is_refused_naming_the_hospital()
    {
        using var identities = new ThresholdIdentities("hospital-1");
        var data = new HospitalData("hospital-1", Dataset.Create([1, 2], [0, 1], ["a"], "train"), Dataset.Create([1], [0], ["a"], "evaluation"));
        var plan = new HospitalTrainingPlan(ModelSpec.LogisticRegression, new FedAvgStrategy(new FedAvgOptions()), 1);

        var withoutIdentity = Assert.Throws<ArgumentException>(() =>
            FederationNode.StartHospital(Sys, Settings, HospitalCrypto.WithThreshold(Threshold), data, plan, trust: identities.Trust));
        var withoutTrust = Assert.Throws<ArgumentException>(() =>
            FederationNode.StartHospital(Sys, Settings, HospitalCrypto.WithThreshold(Threshold), data, plan, identity: identities.For("hospital-1")));

        Assert.StartsWith("hospital hospital-1: threshold mode needs the hospital's certificate", withoutIdentity.Message);
        Assert.Contains("missing: its certificate", withoutIdentity.Message);
        Assert.Contains("missing: the CA", withoutTrust.Message);
    }

    [Fact]
    public void A_threshold_aggregator_without_the_federations_CA_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            FederationNode.StartAggregator(Sys, Settings, CkksKeyMaterial.ParametersOnly(Threshold.Ckks), Threshold));

        Assert.StartsWith("aggregator: threshold mode needs the federation's CA", error.Message);
    }
}
