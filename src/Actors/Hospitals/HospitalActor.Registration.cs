using Akka.Actor;
using Akka.Event;
using FederatedHe.Actors.Protocol;
using FederatedHe.Federation.Participation;
using FederatedHe.Actors.Security;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Hospitals;

/// <summary>
/// Registration: the hospital asks the coordinator to admit it and, when the coordinator challenges it,
/// proves its id by signing the nonce with its certificate's private key (see <see cref="RegistrationProof"/>).
/// </summary>
internal sealed partial class HospitalActor
{
    // The certificate and key this hospital proves its id with; null where the federation takes ids on trust.
    private readonly NodeIdentity? _identity;

    private void ReceiveRegistrationMessages()
    {
        Receive<RegisterHospitalResponse>(Handle);
        Receive<ProveHospitalIdentity>(Handle);
        Receive<Register>(_ => Apply(RegistrationTimerFired.Instance));
    }

    private bool FromAggregatorNode(IControlMessage message)
    {
        if (!Sender.IsNobody() && IsAggregatorNode(Sender.Path.Address))
            return true;
        Refuse($"{message.GetType().Name} from {Sender.Path}, which is not an aggregator node of the cluster");
        return false;
    }

    private void Handle(ProveHospitalIdentity challenge)
    {
        if (!FromAggregatorNode(challenge))
            return;
        if (challenge.HospitalId != _data.HospitalId || challenge.Nonce is not { Length: RegistrationProof.NonceLength })
        {
            _log.Warning("{0}: ignored an identity challenge for {1} from {2}", _data.HospitalId, challenge.HospitalId, Sender.Path);
            return;
        }

        if (_identity is null)
        {
            // Answered anyway, so the coordinator refuses with its reason instead of the hospital retrying forever.
            _log.Error("{0}: the coordinator asks for proof of identity, but this hospital was given no certificate and key", _data.HospitalId);
            Sender.Tell(new ProveHospitalIdentityResponse(_data.HospitalId, _parameterSetId, challenge.Nonce, [], []));
            return;
        }

        // The proof names the coordinator as this hospital sees it, so a node relaying someone else's challenge
        // gets a signature the real coordinator rejects. A sender on this node has a local address; the node's
        // own address is the one the coordinator knows itself by.
        var coordinator = Sender.Path.Address.HasGlobalScope ? Sender.Path.Address : ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;
        var signature = RegistrationProof.Sign(_identity, challenge.Nonce, _data.HospitalId, _parameterSetId, coordinator.ToString());
        Sender.Tell(new ProveHospitalIdentityResponse(_data.HospitalId, _parameterSetId, challenge.Nonce, _identity.Certificate.RawData, signature));
    }

    private void Handle(RegisterHospitalResponse response)
    {
        // Another member answering "accepted" would make itself this hospital's coordinator.
        if (!FromAggregatorNode(response))
            return;
        Apply(new RegistrationAnswered(Sender.Path.Address.ToString(), response.Accepted, response.Reason));
    }
}
