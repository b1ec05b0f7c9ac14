using Akka.Event;
using System.Security.Cryptography;
using System.Text;
using FederatedHe.Training.Data;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Models;

namespace FederatedHe.Actors.Hospitals;

/// <summary>
/// The model a hospital keeps when the federation ends: <c>{model-directory}/{hospital-id}.fedhe-model.json</c>, a
/// <see cref="ModelFile"/> with the final global model, the decrypted global statistics it standardised with and its
/// final metrics on its own evaluation data, for <c>fedhe predict</c> and <c>fedhe evaluate</c>. It is written on this
/// hospital's disk only and never sent anywhere.
/// </summary>
internal sealed partial class HospitalActor
{
    /// <summary>The file name of a hospital's final model, in the model directory.</summary>
    public static string FinalModelFileName(string hospitalId) => Spec.FederationSpec.ModelFileName(hospitalId);

    private FeatureStatistics? _globalStatistics;
    private ClientEvaluation? _lastEvaluation;

    /// <summary>Writes the final model; a failure is logged, never thrown, so the federation's outcome stays what it was.</summary>
    private void WriteFinalModel()
    {
        if (_globalStatistics is null || _state.GlobalRound == 0)
        {
            _log.Warning("{0}: no final model file: {1}", _data.HospitalId,
                _globalStatistics is null ? "the global statistics were never decrypted here" : "no global model was aggregated");
            return;
        }

        var path = Path.GetFullPath(Path.Combine(_modelDirectory, FinalModelFileName(_data.HospitalId)));
        try
        {
            var evaluation = _lastEvaluation;
            var provenance = new ModelProvenance(RunId(), _parameterSetId, _state.GlobalRound, DateTimeOffset.UtcNow,
                evaluation?.Round == _state.GlobalRound ? evaluation.Metrics : null,
                $"{_data.Evaluation.Source} ({_data.Evaluation.SampleCount} samples)");
            ModelFile.Create(_plan.Model, _data.Train.FeatureNames, _globalStatistics, _globalParameters, provenance, _data.Train.LabelColumn)
                .Write(path);
            _log.Info("{0}: wrote the final model of round {1} to {2}", _data.HospitalId, _state.GlobalRound, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or ModelFileException)
        {
            _log.Error("{0}: could not write the final model to {1}: {2}", _data.HospitalId, path, e.Message);
        }
    }

    /// <summary>
    /// The run the model came from. Threshold mode: the key-generation session, which names the collective key the
    /// federation ran under. Shared-key mode has no session, so the id is derived from what defines the run: the CKKS
    /// parameter set, the seed and the decrypted global statistics (identical at every hospital of one federation).
    /// </summary>
    private string RunId()
    {
        if (_keyGeneration.Session?.SessionId is { Length: > 0 } session)
            return session;
        var text = new StringBuilder().Append(_parameterSetId).Append('/').Append(_settings.Seed);
        foreach (var value in _globalStatistics!.ToVector())
            text.Append('/').Append(BitConverter.DoubleToInt64Bits(value));
        return "shared-key-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
