using Akka.Actor;
using Akka.Event;
using FederatedHe.Actors.Protocol;
using FederatedHe.Actors.Security;
using static FederatedHe.Actors.Protocol.FederationProtocol;
using Core = FederatedHe.Federation.Rounds;

namespace FederatedHe.Actors.Coordination;

/// <summary>
/// Registration. Without a roster or CA, a hospital is registered on its word (in-process simulations and
/// plaintext test clusters). With the federation's CA (and usually its roster), the coordinator answers a
/// <see cref="RegisterHospital"/> with a fresh nonce and registers the hospital only once it has signed that
/// nonce with the private key of a certificate the CA issued to the id it claims; later messages are then
/// bound to the actor that proved it. A roster without the CA to check certificates against refuses everyone.
/// </summary>
internal sealed partial class RoundCoordinator
{
    // With a roster configured, only the hospitals it lists may register.
    private readonly MembershipRoster? _roster;

    // Present when the coordinator was given the federation's CA: every registration must then carry a proof.
    private readonly RegistrationProofVerifier? _registrationVerifier;

    // What challenged hospitals said of their data, by the requesting actor, until they prove their id (bounded like the challenges).
    private readonly Dictionary<string, Core.HospitalDataDescription?> _pendingData = new(StringComparer.Ordinal);

    private void ReceiveRegistrationMessages()
    {
        Receive<RegisterHospital>(Handle);
        Receive<ProveHospitalIdentityResponse>(Handle);
    }

    private RegistrationProofVerifier? CreateRegistrationVerifier(RegistrationTrust? trust)
    {
        if (trust is not null)
        {
            var address = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
            return new RegistrationProofVerifier(trust with { Roster = _roster }, address);
        }

        if (_roster is not null)
            _log.Error("a membership roster is configured but the coordinator was given no CA certificate to check hospitals' certificates against; every registration will be refused");
        return null;
    }

    private void Handle(RegisterHospital message)
    {
        var (data, malformed) = DataDescription.Read(message.Data);
        if (malformed is not null)
        {
            Refuse(message.HospitalId, malformed);
            return;
        }

        if (Precondition(message.HospitalId, message.ParameterSetId, data) is { } refusal)
        {
            Refuse(message.HospitalId, refusal);
            return;
        }

        if (_registrationVerifier is not null)
        {
            // What the hospital said of its data is taken only once it has proved its id, from the actor that said it.
            var requester = Requester(Sender);
            var nonce = _registrationVerifier.IssueChallenge(message.HospitalId, requester);
            if (_pendingData.Count >= RegistrationProofVerifier.MaxOutstandingChallenges)
                _pendingData.Remove(_pendingData.Keys.First());
            _pendingData[requester] = data;
            Sender.Tell(new ProveHospitalIdentity(message.HospitalId, nonce));
            return;
        }

        if (_roster is not null)
        {
            Refuse(message.HospitalId, "the federation has a roster but its coordinator has no CA certificate to check hospital certificates against");
            return;
        }

        Admit(message.HospitalId, data);
    }

    private void Handle(ProveHospitalIdentityResponse proof)
    {
        if (_registrationVerifier is null)
        {
            Refuse(proof.HospitalId, "this coordinator issued no identity challenge; send RegisterHospital");
            return;
        }

        var check = _registrationVerifier.Verify(proof.HospitalId, proof.ParameterSetId, proof.Nonce, proof.Certificate, proof.Signature, Requester(Sender));
        if (!check.IsAccepted)
        {
            Refuse(proof.HospitalId, $"identity proof refused ({check.Verdict}): {check.Detail}");
            return;
        }

        // The federation may have moved on (e.g. the collective key was made) while the proof was in flight.
        _pendingData.Remove(Requester(Sender), out var data);
        if (Precondition(proof.HospitalId, proof.ParameterSetId, data) is { } refusal)
        {
            Refuse(proof.HospitalId, refusal);
            return;
        }

        _log.Info("{0} from {1}", check.Detail, Sender.Path.Address);
        Admit(proof.HospitalId, data);
    }

    /// <summary>Why this id with this parameter set cannot register at all, whoever asks; null if it may try.</summary>
    private string? Precondition(string hospitalId, string parameterSetId, Core.HospitalDataDescription? data)
    {
        // Ids name log lines, files and certificates: only the node-id form (lower-case letters, digits and inner '-') is taken.
        if (!MembershipRoster.IsValidNodeId(hospitalId))
            return $"'{Truncated(hospitalId)}' is not a valid hospital id";
        if (_roster is not null && _roster.Find(hospitalId)?.Role != MembershipRoster.HospitalRole)
            return $"{hospitalId} is not a hospital on the federation's roster";
        if (parameterSetId != _parameterSetId)
            return $"parameter set {parameterSetId} differs from the federation's {_parameterSetId}";
        // The machine's word: the federation finished, the collective key excludes this hospital, or its data do not fit.
        if (Core.RoundMachine.RegistrationRefusal(_state, hospitalId, data) is { } refusal)
            return refusal;
        return null;
    }

    private static string Truncated(string? text) =>
        text is null ? string.Empty : text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");

    /// <summary>
    /// Registers the sender as the hospital (it proved the id, or the federation takes ids on trust). A new hospital, or
    /// one back from a new address, becomes the machine's <see cref="Core.HospitalRegistered"/>: the machine decides
    /// whether it starts the federation, is caught up or is invited into the round in progress.
    /// </summary>
    private void Admit(string hospitalId, Core.HospitalDataDescription? data)
    {
        var known = _hospitalRefs.TryGetValue(hospitalId, out var existing);
        if (known && !existing!.Equals(Sender))
        {
            if (_state.IsReachable(hospitalId))
            {
                Refuse(hospitalId, $"hospital id {hospitalId} is already taken by {existing.Path}");
                return;
            }

            Context.Unwatch(existing);
            Decide(_state.Round, $"{hospitalId} rejoined from {Sender.Path.Address}");
        }

        var isNew = !known || !existing!.Equals(Sender);
        _hospitalRefs[hospitalId] = Sender;
        Context.Watch(Sender);
        Sender.Tell(new RegisterHospitalResponse(hospitalId, true, "accepted"));
        Observe(new Protocol.ObserverNotices.HospitalRegistered(_state.Round, hospitalId, Sender.Path.Address.ToString()));
        if (isNew || !_state.Hospitals.ContainsKey(hospitalId))
            Apply(new Core.HospitalRegistered(hospitalId, Sender.Path.Address.ToString(), data));
        else if (!_state.IsReachable(hospitalId))
            Apply(new Core.HospitalReachable(hospitalId));
    }

    private void Refuse(string hospitalId, string reason)
    {
        Sender.Tell(new RegisterHospitalResponse(Truncated(hospitalId), false, reason));
        Decide(_state.Round, $"refused {Truncated(hospitalId)} from {Sender.Path.Address}: {reason}");
    }

    // The answer to a challenge must come from the actor that asked (its uid included, so not a restarted one).
    private static string Requester(IActorRef sender) => sender.Path.ToSerializationFormat();
}
