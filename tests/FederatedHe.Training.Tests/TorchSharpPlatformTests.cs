using TorchSharp;
using static TorchSharp.torch;

namespace FederatedHe.Training.Tests;

/// <summary>TorchSharp's native library loads and trains on this platform (Debian 12 included).</summary>
public sealed class TorchSharpPlatformTests
{
    [Fact]
    public void A_small_logistic_regression_learns_a_linearly_separable_problem()
    {
        torch.manual_seed(7);
        using var features = torch.randn(256, 2);
        using var labels = (features[.., 0] + features[.., 1] > 0).to_type(ScalarType.Float32).unsqueeze(1);
        using var model = nn.Linear(2, 1);
        using var optimizer = optim.SGD(model.parameters(), learningRate: 0.5);
        using var lossFunction = nn.BCEWithLogitsLoss();

        for (var epoch = 0; epoch < 200; epoch++)
        {
            optimizer.zero_grad();
            using var loss = lossFunction.forward(model.forward(features), labels);
            loss.backward();
            optimizer.step();
        }

        using var predictions = (model.forward(features) > 0).to_type(ScalarType.Float32);
        var accuracy = predictions.eq(labels).to_type(ScalarType.Float32).mean().item<float>();
        Assert.True(accuracy > 0.97f, $"accuracy {accuracy}");
    }
}
