using System.Text;
using Akka.Actor;
using FederatedHe.Actors.Persistence;
using FederatedHe.Crypto;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Actors.Hospitals;

/// <summary>
/// A hospital's threshold-CKKS party (on the crypto dispatcher): it alone holds the hospital's secret
/// share s_i and, after re-sharing, its threshold key. Nothing it holds ever leaves it except public-key
/// shares, Shamir shares addressed to other parties, and decryption shares. With a key file (persistence on), the
/// threshold key is written to the hospital's own disk before key generation is reported complete, and read back
/// when a restarted hospital asks for it.
/// </summary>
internal sealed class ThresholdKeyHolder : ReceiveActor
{
    private readonly ThresholdParameters _parameters;
    private readonly HospitalThresholdKeyFile? _keyFile;
    private SecretKey? _secretShare;
    private ThresholdSecretKey? _thresholdKey;
    private Sha256Digest _keyId;
    private int _partyId;
    private int _partyCount;
    private int _threshold;

    // What the key file records beside the key: the session and parties of the key generation, and its collective key.
    private string _sessionId = string.Empty;
    private string[] _parties = [];
    private PublicKey? _collectivePublicKey;

    public ThresholdKeyHolder(ThresholdParameters parameters, HospitalThresholdKeyFile? keyFile)
    {
        _parameters = parameters;
        _keyFile = keyFile;
        Receive<RestoreKey>(_ => Sender.Tell(RestoreKeyCore()));
        Receive<GeneratePublicKeyShare>(m => Reply(() => GeneratePublicKeyShareCore(m)));
        Receive<ShareSecret>(m => Reply(() => ShareSecretCore(m)));
        Receive<CombineShares>(m => Reply(() => CombineSharesCore(m)));
        Receive<GenerateDecryptionShares>(m => Reply(() => GenerateDecryptionSharesCore(m)));
        Receive<FuseShares>(m => Reply(() => FuseSharesCore(m)));
    }

    public static Props Props(ThresholdParameters parameters, HospitalThresholdKeyFile? keyFile) =>
        Akka.Actor.Props.Create(() => new ThresholdKeyHolder(parameters, keyFile)).WithDispatcher("fedhe.crypto-dispatcher");

    /// <summary>The context every decryption share of an aggregate is bound to, so a share cannot be replayed elsewhere.</summary>
    public static byte[] DecryptionContext(int round, int attempt) => Encoding.UTF8.GetBytes($"fedhe/aggregate/round-{round}/committee-{attempt}");

    private object GeneratePublicKeyShareCore(GeneratePublicKeyShare request)
    {
        _secretShare?.Dispose();
        _thresholdKey?.Dispose();
        _thresholdKey = null;
        _partyId = request.PartyId;
        _partyCount = request.Parties.Length;
        _threshold = request.Threshold;
        _sessionId = request.SessionId;
        _parties = request.Parties;
        _collectivePublicKey = null;
        var generator = new CollectivePublicKeyGenerator(_parameters);
        _secretShare = generator.GenSecretShare();
        var seed = CollectivePublicKeyGenerator.DeriveCommonSeed(Encoding.UTF8.GetBytes(request.SessionId));
        return new PublicKeyShareReady(generator.GenShare(_secretShare, seed, request.PartyId, _partyCount).ToBytes());
    }

    private object ShareSecretCore(ShareSecret request)
    {
        if (_secretShare is null)
            throw new InvalidOperationException("no secret share: key generation has not begun");
        var collective = PublicKey.FromBytes(_parameters.Ckks, request.CollectivePublicKey);
        _keyId = CollectivePublicKeyGenerator.KeyIdOf(collective);
        _collectivePublicKey = collective;
        var shares = new ThresholdSecretSharer(_parameters).GenShares(_secretShare, _partyId, _threshold, _partyCount, _keyId);
        var bytes = shares.Select(s => s.ToBytes()).ToArray();
        foreach (var share in shares)
            share.Dispose();
        return new SecretShared(collective, _keyId.ToString(), bytes);
    }

    private object CombineSharesCore(CombineShares request)
    {
        var shares = request.Shares.Select(b => ShamirShare.FromBytes(_parameters, b)).ToList();
        try
        {
            if (shares.Any(s => s.RecipientId != _partyId || s.KeyId != _keyId))
                throw new ThresholdProtocolException(ThresholdProtocolFailure.KeyMismatch, _partyId, "a Shamir share is addressed to another party or key");
            _thresholdKey = new ThresholdSecretSharer(_parameters).Combine(shares);
            _secretShare?.Dispose();
            _secretShare = null; // from here on only the threshold key can take part in decryption

            // Durable before reported: once the coordinator counts this party in, a restart must not lose its share.
            _keyFile?.Save(new SavedThresholdKey(_keyFile.HospitalId, _sessionId, _parties, _collectivePublicKey!, _thresholdKey));
            return new ThresholdKeyReady(_keyId.ToString());
        }
        finally
        {
            foreach (var share in shares)
                share.Dispose();
        }
    }

    private object RestoreKeyCore()
    {
        if (_keyFile is null)
            return new KeyNotRestored(FileMissing: true, "persistence is off: no key file");
        SavedThresholdKey? saved;
        try
        {
            saved = _keyFile.Load(_parameters);
        }
        catch (ThresholdKeyFileException e)
        {
            return new KeyNotRestored(FileMissing: false, e.Message);
        }

        if (saved is null)
            return new KeyNotRestored(FileMissing: true, $"no threshold key file at {_keyFile.FilePath}");

        _secretShare?.Dispose();
        _thresholdKey?.Dispose();
        _secretShare = null;
        _thresholdKey = saved.SecretKey;
        _keyId = saved.KeyId;
        _partyId = saved.SecretKey.PartyId;
        _partyCount = saved.SecretKey.PartyCount;
        _threshold = saved.SecretKey.Threshold;
        _sessionId = saved.SessionId;
        _parties = saved.Parties.ToArray();
        _collectivePublicKey = saved.CollectivePublicKey;
        return new KeyRestored(_sessionId, _keyId.ToString(), _partyId, _parties, _threshold, saved.CollectivePublicKey, _keyFile.FilePath);
    }

    private object GenerateDecryptionSharesCore(GenerateDecryptionShares request)
    {
        if (_thresholdKey is null)
            throw new InvalidOperationException("no threshold key: key generation has not completed");
        var decryptor = new ThresholdDecryptor(_parameters, _thresholdKey);
        var context = DecryptionContext(request.Round, request.Attempt);
        var shares = request.Ciphertexts
            .Select(bytes => decryptor.GenShare(Ciphertext.FromBytes(_parameters.Ckks, bytes), request.Committee, context).ToBytes())
            .ToArray();
        return new DecryptionSharesReady(request.Round, request.Attempt, shares);
    }

    private object FuseSharesCore(FuseShares request)
    {
        var combiner = new ThresholdCombiner(_parameters, _keyId, _threshold, _partyCount);
        var context = DecryptionContext(request.Round, request.Attempt);
        var values = new double[request.VectorLength];
        var slots = _parameters.Ckks.SlotCount;
        for (var chunk = 0; chunk < request.Ciphertexts.Count; chunk++)
        {
            var ciphertext = Ciphertext.FromBytes(_parameters.Ckks, request.Ciphertexts[chunk]);
            var shares = request.SharesByParty.Values.Select(perChunk => perChunk[chunk]).ToList();
            var fused = combiner.FuseValues(ciphertext, shares, context);
            var count = Math.Min(slots, request.VectorLength - chunk * slots);
            fused.AsSpan(0, count).CopyTo(values.AsSpan(chunk * slots));
        }

        return new SharesFused(request.Round, request.Attempt, values);
    }

    private void Reply(Func<object> work)
    {
        try
        {
            Sender.Tell(work());
        }
        catch (Exception exception) when (exception is ThresholdProtocolException or CkksFormatException or ParameterSetMismatchException
                                              or CkksOperationException or ArgumentException or InvalidOperationException
                                              or IOException or UnauthorizedAccessException)
        {
            Sender.Tell(new Status.Failure(exception));
        }
    }

    protected override void PostStop()
    {
        _secretShare?.Dispose();
        _thresholdKey?.Dispose();
    }

    public sealed record GeneratePublicKeyShare(string SessionId, int PartyId, string[] Parties, int Threshold) : INoSerializationVerificationNeeded;

    /// <summary>Load the key saved by an earlier incarnation; answered with <see cref="KeyRestored"/> or <see cref="KeyNotRestored"/>.</summary>
    public sealed class RestoreKey : INoSerializationVerificationNeeded
    {
        public static readonly RestoreKey Instance = new();
    }

    /// <summary>The saved key is loaded and in use; everything but the secret share itself.</summary>
    public sealed record KeyRestored(string SessionId, string KeyId, int PartyId, string[] Parties, int Threshold, PublicKey CollectivePublicKey, string FilePath)
        : INoSerializationVerificationNeeded;

    /// <summary>No key was loaded: there is no file (<paramref name="FileMissing"/>), or it was refused for <paramref name="Reason"/>.</summary>
    public sealed record KeyNotRestored(bool FileMissing, string Reason) : INoSerializationVerificationNeeded;

    public sealed record PublicKeyShareReady(byte[] Share) : INoSerializationVerificationNeeded;

    public sealed record ShareSecret(byte[] CollectivePublicKey) : INoSerializationVerificationNeeded;

    /// <summary>The collective key, its id, and one Shamir share per party (element j−1 for party j).</summary>
    public sealed record SecretShared(PublicKey CollectivePublicKey, string KeyId, byte[][] SharesByRecipient) : INoSerializationVerificationNeeded;

    public sealed record CombineShares(IReadOnlyList<byte[]> Shares) : INoSerializationVerificationNeeded;

    public sealed record ThresholdKeyReady(string KeyId) : INoSerializationVerificationNeeded;

    public sealed record GenerateDecryptionShares(int Round, int Attempt, IReadOnlyList<byte[]> Ciphertexts, int[] Committee) : INoSerializationVerificationNeeded;

    public sealed record DecryptionSharesReady(int Round, int Attempt, byte[][] SharesByChunk) : INoSerializationVerificationNeeded;

    public sealed record FuseShares(int Round, int Attempt, IReadOnlyList<byte[]> Ciphertexts, int VectorLength, IReadOnlyDictionary<int, DecryptionShare[]> SharesByParty)
        : INoSerializationVerificationNeeded;

    public sealed record SharesFused(int Round, int Attempt, double[] Values) : INoSerializationVerificationNeeded;
}
