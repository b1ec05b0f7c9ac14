using System.CommandLine;
using System.Globalization;
using System.Text;
using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Models;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe predict`: scores new patients with a model file.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model file written at the end of training (fedhe train, or a hospital at the end of a federation)", Required = true };
        var data = new Option<string>("--data") { Description = "CSV of patients: the model's feature columns in its order; an id column is copied, a label column ignored", Required = true };
        var output = new Option<string>("--out") { Description = "Predictions CSV to write", DefaultValueFactory = _ => "predictions.csv" };
        var threshold = new Option<double>("--threshold") { Description = "Call a patient malignant when the predicted probability exceeds this", DefaultValueFactory = _ => 0.5 };
        var command = new Command("predict", "Score patients with a model file: one row per patient with the probability of malignancy and the predicted label")
        {
            model, data, output, threshold,
        };
        command.SetAction(result => ModelCommandSupport.Run(() =>
            Run(result.GetValue(model)!, result.GetValue(data)!, result.GetValue(output)!, result.GetValue(threshold))));
        return command;
    }

    private static int Run(string modelPath, string dataPath, string outputPath, double threshold)
    {
        if (!(threshold > 0 && threshold < 1))
            throw new ArgumentException($"--threshold: {threshold.ToString(CultureInfo.InvariantCulture)} is not strictly between 0 and 1");

        var model = ModelFile.Read(modelPath);
        var patients = CsvDatasetLoader.LoadForScoring(dataPath, ModelCommandSupport.DataOptionsFor(model));
        model.EnsureFeaturesMatch(patients.FeatureNames, dataPath);
        var logits = model.PredictLogits(patients.Features);

        var predictions = Predictions.Write(patients, logits, threshold, model.Schema.LabelEncoding, out var malignant);
        ModelCommandSupport.WriteAtomically(outputPath, predictions);

        var encoding = model.Schema.LabelEncoding;
        AnsiConsole.MarkupLine($"model: {Markup.Escape(model.Spec.ToString())}, run {Markup.Escape(model.Provenance.RunId)}, schema {model.Schema.Digest[..16]}…");
        AnsiConsole.MarkupLine($"wrote {patients.SampleCount} predictions to [bold]{Markup.Escape(outputPath)}[/]");
        AnsiConsole.MarkupLine($"at threshold {threshold.ToString(CultureInfo.InvariantCulture)}: {malignant} {encoding.PositiveCode} ({encoding.PositiveClass}), " +
                               $"{patients.SampleCount - malignant} {encoding.NegativeCode} ({encoding.NegativeClass})");
        return 0;
    }
}

/// <summary>The predictions CSV: <c>id</c> (or <c>line</c>), <c>probability_malignant</c>, <c>prediction</c>.</summary>
internal static class Predictions
{
    /// <summary>
    /// One row per patient: the id (or the patient's line in the data file when it has no id column), the probability
    /// of class 1 (round-trip precision), and the predicted code: class 1 when the probability exceeds the threshold.
    /// The comparison is made on the logit (logit &gt; ln(t / (1 − t))), so at 0.5 it is exactly
    /// <see cref="ModelEvaluator"/>'s rule, logit &gt; 0, even where the probability rounds to 0.5.
    /// </summary>
    public static string Write(PatientFeatures patients, float[] logits, double threshold, LabelEncoding encoding, out int positives)
    {
        var cutoff = Math.Log(threshold / (1 - threshold));
        var text = new StringBuilder();
        text.Append(patients.Ids is null ? "line" : "id").Append($",probability_{encoding.PositiveClass},prediction\n");
        positives = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            var positive = logits[i] > cutoff;
            positives += positive ? 1 : 0;
            var key = patients.Ids is { } ids ? Quote(ids[i]) : patients.LineNumbers[i].ToString(CultureInfo.InvariantCulture);
            text.Append(key).Append(',')
                .Append(Calibration.Probability(logits[i]).ToString("R", CultureInfo.InvariantCulture)).Append(',')
                .Append(positive ? encoding.PositiveCode : encoding.NegativeCode).Append('\n');
        }
        return text.ToString();
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;
}
