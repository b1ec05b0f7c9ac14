using FederatedHe.Training.Data;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;

namespace FederatedHe.Training.Tests;

public sealed class FederatedClientTests(StandardizedWdbcFixture data) : IClassFixture<StandardizedWdbcFixture>
{
    private static readonly TrainingOptions Options = new() { Epochs = 1, BatchSize = 16, LearningRate = 0.05, Seed = 1 };

    [Fact]
    public void A_hospital_trains_from_the_global_model_and_reports_its_sample_count()
    {
        var partition = DatasetPartitioner.Iid(data.Train, 4, seed: 1)[0];
        using var client = new FederatedClient("hospital-1", partition, ModelSpec.LogisticRegression);
        var global = ModelFactory.InitialParameters(ModelSpec.LogisticRegression, 30, seed: 2);

        var update = client.Fit(new FitInstruction("hospital-1", 3, global, Options));

        Assert.Equal(partition.SampleCount, update.SampleCount);
        Assert.Equal(3, update.Round);
        Assert.Equal("hospital-1", update.ClientId);
        Assert.Equal(client.ParameterCount, update.Parameters.Length);
        Assert.NotEqual(global, update.Parameters);
    }

    [Fact]
    public void A_hospitals_update_depends_only_on_the_global_model_not_on_its_previous_round()
    {
        using var client = new FederatedClient("hospital-1", data.Train, ModelSpec.LogisticRegression);
        var global = ModelFactory.InitialParameters(ModelSpec.LogisticRegression, 30, seed: 2);

        var first = client.Fit(1, global, Options);
        client.Fit(2, first.Parameters, Options);
        var repeated = client.Fit(1, global, Options);

        Assert.Equal(first.Parameters, repeated.Parameters);
    }

    [Fact]
    public void A_hospital_evaluates_a_model_on_its_evaluation_data()
    {
        using var client = new FederatedClient("hospital-1", data.Train, ModelSpec.LogisticRegression, data.Test);
        var trained = client.Fit(1, ModelFactory.InitialParameters(ModelSpec.LogisticRegression, 30, seed: 2), Options with { Epochs = 5 });

        var evaluation = client.Evaluate(new EvaluateInstruction("hospital-1", 1, trained.Parameters));

        Assert.Equal(data.Test.SampleCount, evaluation.Metrics.SampleCount);
        Assert.True(evaluation.Metrics.Accuracy > 0.9);
    }

    [Fact]
    public void An_instruction_addressed_to_another_hospital_is_refused()
    {
        using var client = new FederatedClient("hospital-1", data.Train, ModelSpec.LogisticRegression);

        Assert.Throws<ArgumentException>(() => client.Fit(new FitInstruction("hospital-2", 1, new float[31], Options)));
    }

    [Fact]
    public void A_corrupt_global_model_is_refused_before_training()
    {
        using var client = new FederatedClient("hospital-1", data.Train, ModelSpec.LogisticRegression);
        var corrupt = new float[31];
        corrupt[0] = float.NaN;

        Assert.Throws<ModelParameterException>(() => client.Fit(1, corrupt, Options));
    }
}
