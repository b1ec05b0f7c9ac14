using FederatedHe.Training.Data;
using FederatedHe.Training.Models;

namespace FederatedHe.Training.Tests;

public sealed class ClassifierModelTests
{
    [Fact]
    public void Logistic_regression_on_30_features_has_31_parameters()
    {
        using var model = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 1);

        Assert.Equal(31, model.ParameterCount);
        Assert.Equal(31, model.GetParameters().Length);
        Assert.Equal(31, ModelSpec.LogisticRegression.ParameterCount(30));
    }

    [Fact]
    public void An_mlp_has_the_parameters_of_each_layer_weights_and_biases()
    {
        var spec = ModelSpec.Mlp(16, 8);
        using var model = ModelFactory.Create(spec, 30, seed: 1);

        const int expected = 30 * 16 + 16 + 16 * 8 + 8 + 8 + 1;
        Assert.Equal(expected, model.ParameterCount);
        Assert.Equal(expected, spec.ParameterCount(30));
    }

    [Fact]
    public void The_parameter_vector_is_weights_then_bias_layer_by_layer()
    {
        using var model = ModelFactory.Create(ModelSpec.LogisticRegression, 3, seed: 1);
        model.SetParameters([1f, 2f, 3f, 0.5f]);
        var sample = Dataset.Create([1f, 1f, 1f], [1], ["a", "b", "c"], "one");

        Assert.Equal(6.5f, model.PredictLogits(sample)[0], 5);
    }

    [Fact]
    public void Parameters_set_are_the_parameters_got()
    {
        using var model = ModelFactory.Create(ModelSpec.Mlp(4), 3, seed: 1);
        var vector = Enumerable.Range(0, model.ParameterCount).Select(i => i * 0.25f - 2).ToArray();

        model.SetParameters(vector);

        Assert.Equal(vector, model.GetParameters());
    }

    [Fact]
    public void The_same_seed_initialises_identical_models_and_a_different_seed_different_ones()
    {
        using var first = ModelFactory.Create(ModelSpec.Mlp(8), 30, seed: 5);
        using var again = ModelFactory.Create(ModelSpec.Mlp(8), 30, seed: 5);
        using var other = ModelFactory.Create(ModelSpec.Mlp(8), 30, seed: 6);

        Assert.Equal(first.GetParameters(), again.GetParameters());
        Assert.NotEqual(first.GetParameters(), other.GetParameters());
        Assert.Equal(first.GetParameters(), ModelFactory.InitialParameters(ModelSpec.Mlp(8), 30, seed: 5));
    }

    [Fact]
    public void Initialisation_does_not_depend_on_torchs_global_random_generator()
    {
        TorchSharp.torch.manual_seed(1);
        using var first = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 5);
        TorchSharp.torch.manual_seed(2);
        using var second = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 5);

        Assert.Equal(first.GetParameters(), second.GetParameters());
    }

    [Fact]
    public void A_vector_of_the_wrong_length_is_refused_with_both_lengths()
    {
        using var model = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 1);

        var error = Assert.Throws<ModelParameterException>(() => model.SetParameters(new float[30]));

        Assert.Equal(31, error.ExpectedLength);
        Assert.Equal(30, error.ActualLength);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void A_vector_holding_nan_or_infinity_is_refused_and_the_model_is_left_unchanged(float poison)
    {
        using var model = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 1);
        var before = model.GetParameters();
        var vector = new float[31];
        vector[17] = poison;

        var error = Assert.Throws<ModelParameterException>(() => model.SetParameters(vector));

        Assert.Equal(17, error.InvalidIndex);
        Assert.Equal(before, model.GetParameters());
    }

    [Fact]
    public void An_mlp_needs_at_least_one_hidden_layer_of_positive_width()
    {
        Assert.Throws<ArgumentException>(() => ModelSpec.Mlp());
        Assert.Throws<ArgumentException>(() => ModelSpec.Mlp(8, 0));
    }

    [Fact]
    public void Equal_mlp_specs_compare_equal()
    {
        Assert.Equal(ModelSpec.Mlp(16, 8), ModelSpec.Mlp(16, 8));
        Assert.NotEqual(ModelSpec.Mlp(16, 8), ModelSpec.Mlp(8, 16));
        Assert.NotEqual(ModelSpec.LogisticRegression, ModelSpec.Mlp(1));
    }

    [Fact]
    public void A_disposed_model_refuses_further_use()
    {
        var model = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 1);
        model.Dispose();

        Assert.Throws<ObjectDisposedException>(() => model.GetParameters());
    }
}
