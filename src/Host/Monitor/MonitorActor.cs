using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using FederatedHe.Actors.Protocol;

namespace FederatedHe.Host.Monitor;

/// <summary>
/// The monitor node's one actor: it follows the cluster's membership and reachability and the coordinator's notices
/// (<see cref="ObserverNotices.Topic"/>) and hands each to the <see cref="MonitorHub"/>. It sends nothing to any
/// federation actor: the monitor never registers, so the coordinator never counts or selects it.
/// </summary>
internal sealed class MonitorActor : ReceiveActor
{
    private readonly MonitorHub _hub;
    private readonly TaskCompletionSource _subscribed;
    private readonly Dictionary<Address, (string[] Roles, string Status, bool Reachable)> _members = [];

    public MonitorActor(MonitorHub hub, TaskCompletionSource subscribed)
    {
        _hub = hub;
        _subscribed = subscribed;
        Receive<SubscribeAck>(_ => _subscribed.TrySetResult());
        Receive<ObserverNotices.IObserverNotice>(notice => _hub.Apply(new NoticeObserved(DateTime.UtcNow, notice)));
        Receive<ClusterEvent.MemberRemoved>(m => Member(m.Member, "Removed", reachable: false));
        Receive<ClusterEvent.IMemberEvent>(m => Member(m.Member, m.Member.Status.ToString(), reachable: null));
        Receive<ClusterEvent.UnreachableMember>(m => Member(m.Member, m.Member.Status.ToString(), reachable: false));
        Receive<ClusterEvent.ReachableMember>(m => Member(m.Member, m.Member.Status.ToString(), reachable: true));
    }

    public static Props Props(MonitorHub hub, TaskCompletionSource subscribed) => Akka.Actor.Props.Create(() => new MonitorActor(hub, subscribed));

    protected override void PreStart()
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(ObserverNotices.Topic, Self));
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    private void Member(Member member, string status, bool? reachable)
    {
        var known = _members.TryGetValue(member.Address, out var was);
        var now = (Roles: member.Roles.Where(r => !r.StartsWith("dc-", StringComparison.Ordinal)).ToArray(), Status: status,
            Reachable: reachable ?? (!known || was.Reachable));
        _members[member.Address] = now;
        _hub.Apply(new MemberObserved(DateTime.UtcNow, member.Address.ToString(), now.Roles, now.Status, now.Reachable));
    }
}
