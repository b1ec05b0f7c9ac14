using FederatedHe.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FederatedHe.Training.Local;

/// <summary>
/// Steps a model's parameters along their gradients (<see cref="TrainingOptions.Optimizer"/>): zero the gradients,
/// back-propagate a loss, step. Local training and DP-SGD use it alike.
/// </summary>
/// <remarks>
/// SGD and Adam are stepped here rather than by <c>torch.optim</c>. TorchSharp's SGD hands libtorch the step's scale
/// (−learning rate) as a temporary <see cref="Scalar"/> that nothing keeps alive through the native call, and native
/// Scalars are freed by the garbage collector's finalizer: a collection in that window freed the scale while libtorch
/// read it. Seen in 3 of 15 1,000-round simulations, once or twice in each: "Expected false to be true …
/// Exception raised from toFloat at c10/core/Scalar.h:140" from a hospital's training, whose round then waited out
/// its 30 s deadline (TorchSharp's Adam passes its scales the same way). Here every scale is a Scalar the optimiser
/// holds until the native calls that read it have returned.
/// </remarks>
internal abstract class ModelOptimizer : IDisposable
{
    /// <summary>The optimiser <paramref name="options"/> name, over <paramref name="model"/>'s parameters.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An optimiser this library does not know.</exception>
    public static ModelOptimizer Create(ClassifierModel model, TrainingOptions options) => options.Optimizer switch
    {
        OptimizerKind.Sgd => new SgdOptimizer(model.Parameters, options.LearningRate),
        OptimizerKind.Adam => new AdamOptimizer(model.Parameters, options.LearningRate),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimiser."),
    };

    /// <summary>Clears every parameter's gradient, so that the next backward pass writes it afresh.</summary>
    public abstract void ZeroGradients();

    /// <summary>Moves the parameters one step along the gradients of the last backward pass.</summary>
    public abstract void Step();

    /// <inheritdoc />
    public abstract void Dispose();

    /// <summary>
    /// Plain SGD (no momentum, no weight decay): p ← p − η·∇p, the very libtorch operation <c>torch.optim.SGD</c>
    /// performs with those settings (in-place add of the gradient scaled by −η), so its results are bit-identical.
    /// </summary>
    private sealed class SgdOptimizer(IReadOnlyList<Parameter> parameters, double learningRate) : ModelOptimizer
    {
        private readonly Parameter[] _parameters = [.. parameters];
        private readonly Scalar _negativeLearningRate = (-learningRate).ToScalar();

        public override void ZeroGradients() => ZeroGradientsOf(_parameters);

        public override void Step()
        {
            using (torch.no_grad())
            {
                foreach (var parameter in _parameters)
                {
                    using var gradient = parameter.grad;
                    if (gradient is not null)
                        parameter.add_(gradient, _negativeLearningRate);
                }
            }

            // The scale stays reachable until every native call that reads it has returned.
            GC.KeepAlive(_negativeLearningRate);
        }

        public override void Dispose() => _negativeLearningRate.Dispose();
    }

    /// <summary>
    /// Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8, no weight decay, no AMSGrad; moments start at zero and the step count at
    /// one), performing the very libtorch operations of TorchSharp's <c>torch.optim.Adam</c> in its order, so its
    /// results are bit-identical, with every scale a Scalar that is held until the native calls reading it return.
    /// </summary>
    private sealed class AdamOptimizer : ModelOptimizer
    {
        private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
        private readonly Parameter[] _parameters;
        private readonly Tensor[] _firstMoments, _secondMoments;
        private readonly Scalar _one = 1.ToScalar(), _beta1 = Beta1.ToScalar(), _beta2 = Beta2.ToScalar();
        private readonly Scalar _oneMinusBeta1 = (1 - Beta1).ToScalar(), _oneMinusBeta2 = (1 - Beta2).ToScalar(), _epsilon = Epsilon.ToScalar();
        private readonly double _learningRate;
        private long _steps;

        public AdamOptimizer(IReadOnlyList<Parameter> parameters, double learningRate)
        {
            _parameters = [.. parameters];
            _learningRate = learningRate;
            _firstMoments = [.. _parameters.Select(parameter => torch.zeros_like(parameter).DetachFromDisposeScope())];
            _secondMoments = [.. _parameters.Select(parameter => torch.zeros_like(parameter).DetachFromDisposeScope())];
        }

        public override void ZeroGradients() => ZeroGradientsOf(_parameters);

        public override void Step()
        {
            _steps++;
            var biasCorrection1 = 1 - Math.Pow(Beta1, _steps);
            var biasCorrection2 = 1 - Math.Pow(Beta2, _steps);
            using var rootOfBiasCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();
            using var negativeStepSize = (-(_learningRate / biasCorrection1)).ToScalar();
            using (torch.no_grad())
            {
                for (var i = 0; i < _parameters.Length; i++)
                {
                    using var gradient = _parameters[i].grad;
                    if (gradient is null)
                        continue;
                    _firstMoments[i].mul_(_beta1).add_(gradient, _oneMinusBeta1);
                    _secondMoments[i].mul_(_beta2).addcmul_(gradient, gradient, _oneMinusBeta2);
                    using var root = _secondMoments[i].sqrt();
                    using var denominator = root.div(rootOfBiasCorrection2).add_(_epsilon, _one);
                    _parameters[i].addcdiv_(_firstMoments[i], denominator, negativeStepSize);
                }
            }

            GC.KeepAlive(this);
        }

        public override void Dispose()
        {
            foreach (var moment in _firstMoments.Concat(_secondMoments))
                moment.Dispose();
            foreach (var scalar in new[] { _one, _beta1, _beta2, _oneMinusBeta1, _oneMinusBeta2, _epsilon })
                scalar.Dispose();
        }
    }

    /// <summary>Drops each parameter's gradient, so the next backward pass writes it afresh (as torch.optim's zero_grad does).</summary>
    private static void ZeroGradientsOf(IEnumerable<Parameter> parameters)
    {
        foreach (var parameter in parameters)
            parameter.grad = null;
    }
}
