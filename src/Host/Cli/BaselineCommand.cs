using System.CommandLine;
using FederatedHe.Actors.Spec;
using FederatedHe.Training.Data;
using FederatedHe.Training.Federation;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe baseline`: the plaintext baselines the encrypted federation is judged against, on a spec's data and training.</summary>
internal static class BaselineCommand
{
    public static Command Create()
    {
        var spec = new Option<string?>("--spec") { Description = "A federation spec (default: reference.conf alone, the README's demo)" };
        var specOptions = SpecOptions.Federation();
        var command = new Command("baseline", "Train centrally and with plaintext FedAvg (IID and Dirichlet), on the spec's common test hold-out, printing test metrics")
        {
            spec,
        };
        specOptions.AddTo(command);
        command.SetAction(result =>
        {
            var federation = FederationSpecBinder.Load(result.GetValue(spec), specOptions.Overrides(result)).Spec;
            var iid = FederationData.Load(federation.WithPartition(PartitionScheme.Iid));
            var skewed = FederationData.Divide(iid.All, federation.WithPartition(PartitionScheme.Dirichlet));
            var split = iid.Split;
            var training = federation.TrainingOptions;
            var rounds = federation.Federation.Rounds;
            var seed = federation.Federation.Seed;
            var hospitals = federation.Federation.Hospitals;
            var modelSpec = federation.Training.Model;

            AnsiConsole.MarkupLine($"{Markup.Escape(iid.All.ToString())}; hold-out: {split.Train.SampleCount} train / {split.Test.SampleCount} test (seed {seed})");
            var table = new Table().Border(TableBorder.Rounded).AddColumns("run", "accuracy", "precision", "recall", "F1", "AUC", "log-loss");
            void Row(string name, FederatedHe.Training.Evaluation.EvaluationMetrics m) => table.AddRow(name,
                $"{m.Accuracy:P2}", $"{m.Precision:F4}", $"{m.Recall:F4}", $"{m.F1:F4}", $"{m.RocAuc:F4}", $"{m.LogLoss:F4}");

            Row("centralised", CentralizedBaseline.Run(split.Train, split.Test, modelSpec, training with { Epochs = training.Epochs * rounds }).Test);
            Row($"FedAvg, {hospitals} IID hospitals", PlaintextFedAvg.Run(iid.Train, split.Test, modelSpec, training, rounds, seed, cancellationToken: CancellationToken.None).FinalTest);
            Row($"FedAvg, {hospitals} Dirichlet({federation.Data.Alpha}) hospitals",
                PlaintextFedAvg.Run(skewed.Train, split.Test, modelSpec, training, rounds, seed, cancellationToken: CancellationToken.None).FinalTest);
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
