namespace FederatedHe.Actors.Serialization;

/// <summary>A message from the network is malformed; names the message type and the field.</summary>
public sealed class WireFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WireFormatException(string messageType, string field, string problem)
        : base($"malformed {messageType}: {field}: {problem}")
    {
        MessageType = messageType;
        Field = field;
    }

    /// <summary>The message type that failed to decode.</summary>
    public string MessageType { get; }

    /// <summary>The field that was wrong.</summary>
    public string Field { get; }
}
