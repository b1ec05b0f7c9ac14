using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using FederatedHe.Actors.Security;
using FederatedHe.Actors.Persistence;
using FederatedHe.Crypto;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;
using static FederatedHe.Actors.Protocol.KeyGenerationProtocol;

namespace FederatedHe.Actors.Hospitals;

/// <summary>
/// A hospital's threshold-CKKS party (on the crypto dispatcher): it alone holds the hospital's secret share s_i, its
/// key-agreement private key, the pairwise keys and decryption-mask seeds derived from it, the Shamir shares it receives
/// and, after re-sharing, its threshold key — or, in the seeded scheme, the shares dealt to it one per dealer, with s_i
/// kept for the hospital's crypto pool to encrypt its updates under (the only secret that leaves this actor, and only
/// within the node), and the record of the decryption shares it made. Nothing it holds ever leaves it except public-key shares, Shamir shares
/// sealed for their recipients, and decryption shares. With a key file (persistence on), the threshold key and the mask
/// seeds are written to the hospital's own disk before key generation is reported complete, and read back when a
/// restarted hospital asks for them.
/// </summary>
internal sealed class ThresholdKeyHolder : ReceiveActor
{
    private readonly ThresholdParameters _parameters;
    private readonly HospitalThresholdKeyFile? _keyFile;
    private readonly SeededDecryptionLedger? _ledger;
    private SecretKey? _secretShare;
    private ThresholdSecretKey? _thresholdKey;
    private Sha256Digest _keyId;
    private int _partyId;
    private int _partyCount;
    private int _threshold;

    // Key generation's secrets: the session's key-agreement key (until the pairwise secrets are derived), the keys that
    // open the Shamir shares sent to this party (until they are combined), and the opened shares themselves.
    private PartyKeyAgreement? _keyAgreement;
    private readonly Dictionary<int, byte[]> _receiveKeys = new();
    private readonly Dictionary<int, ShamirShare> _openedShares = new();
    private Dictionary<int, byte[]> _maskSeeds = new();

    // The pairwise seeds that mask this party's decryption shares (after key generation, or loaded with the key).
    private DecryptionMaskSeeds? _masks;

    // The seeded scheme (ThresholdScheme.SeededSecretKey): the shares dealt to this party, one per dealer, and the
    // decryptor that remembers which sum of each round and chunk it has decrypted. s_i (_secretShare) is kept to encrypt.
    private DealtSecretShares? _dealt;
    private SeededThresholdDecryptor? _seededDecryptor;

    // Every fused decryption under the key is audited for the trace of a crafted ciphertext; once one is found the key
    // is retired: this party makes no more decryption shares under it.
    private DecryptionNoiseAudit? _audit;
    private string? _retiredBecause;

    // What the key file records beside the key: the session and parties of the key generation, and its collective key.
    private string _sessionId = string.Empty;
    private string[] _parties = [];
    private PublicKey? _collectivePublicKey;

    public ThresholdKeyHolder(ThresholdParameters parameters, HospitalThresholdKeyFile? keyFile)
    {
        _parameters = parameters;
        _keyFile = keyFile;
        // The seeded scheme's record of decryptions lives beside the key: both are needed to decrypt safely after a restart.
        if (keyFile is not null && parameters.Scheme == ThresholdScheme.SeededSecretKey)
            _ledger = new SeededDecryptionLedger(Path.GetDirectoryName(keyFile.FilePath)!, keyFile.HospitalId);
        Receive<RestoreKey>(_ => Sender.Tell(RestoreKeyCore()));
        Receive<GeneratePublicKeyShare>(m => Reply(() => GeneratePublicKeyShareCore(m)));
        Receive<ShareSecret>(m => Reply(() => ShareSecretCore(m)));
        Receive<OpenShamirShare>(m => Sender.Tell(OpenShamirShareCore(m.Share)));
        Receive<CombineShares>(_ => Reply(CombineSharesCore));
        Receive<GenerateDecryptionShares>(m => Reply(() => GenerateDecryptionSharesCore(m)));
        Receive<FuseShares>(m => Reply(() => FuseSharesCore(m)));
    }

    public static Props Props(ThresholdParameters parameters, HospitalThresholdKeyFile? keyFile) =>
        Akka.Actor.Props.Create(() => new ThresholdKeyHolder(parameters, keyFile)).WithDispatcher("fedhe.crypto-dispatcher");

    /// <summary>The context every decryption share of an aggregate is bound to, so a share cannot be replayed elsewhere.</summary>
    public static byte[] DecryptionContext(int round, int attempt) => Encoding.UTF8.GetBytes($"fedhe/aggregate/round-{round}/committee-{attempt}");

    private object GeneratePublicKeyShareCore(GeneratePublicKeyShare request)
    {
        ForgetKeyGeneration();
        _secretShare?.Dispose();
        _thresholdKey?.Dispose();
        _thresholdKey = null;
        _masks?.Dispose();
        _masks = null;
        ForgetSeededKey();
        _partyId = request.PartyId;
        _partyCount = request.Parties.Length;
        _threshold = request.Threshold;
        _sessionId = request.SessionId;
        _parties = request.Parties;
        _collectivePublicKey = null;
        var generator = new CollectivePublicKeyGenerator(_parameters);
        _secretShare = generator.GenSecretShare();
        _keyAgreement = PartyKeyAgreement.Create(request.PartyId);
        var seed = CollectivePublicKeyGenerator.DeriveCommonSeed(Encoding.UTF8.GetBytes(request.SessionId));
        return new PublicKeyShareReady(request.SessionId, generator.GenShare(_secretShare, seed, request.PartyId, _partyCount).ToBytes(), _keyAgreement.PublicKey);
    }

    /// <summary>
    /// Every party's share is verified: sum them into the collective key (this party's own computation, whatever the
    /// coordinator says), derive the pairwise secrets, and re-share s_i with each party, sealed for it alone.
    /// </summary>
    private object ShareSecretCore(ShareSecret request)
    {
        if (_secretShare is null || _keyAgreement is null || request.SessionId != _sessionId)
            throw new InvalidOperationException($"no secret share for key generation {request.SessionId}: it has not begun here");
        var collective = new CollectivePublicKeyGenerator(_parameters).AggregateShares(request.PublicKeyShares.Select(b => PublicKeyShare.FromBytes(_parameters, b)));
        _keyId = CollectivePublicKeyGenerator.KeyIdOf(collective);
        _collectivePublicKey = collective;
        var keyId = _keyId.ToString();

        var pairwise = _keyAgreement.DeriveAll(request.KeyAgreementKeys, request.Salt);
        _keyAgreement = null; // released by DeriveAll: the seeds and share keys are all it was needed for
        var shares = new ThresholdSecretSharer(_parameters).GenShares(_secretShare, _partyId, _threshold, _partyCount, _keyId);
        var sealedShares = new EncryptedShamirShare[_partyCount];
        try
        {
            foreach (var share in shares)
            {
                var recipient = share.RecipientId;
                var plaintext = share.ToBytes();
                try
                {
                    var associated = ShamirShareSeal.AssociatedData(_sessionId, keyId, _partyId, _parties[_partyId - 1], recipient, _parties[recipient - 1]);
                    var sealedShare = ShamirShareSeal.Seal(pairwise[recipient].SendKey, plaintext, associated);
                    sealedShares[recipient - 1] = new EncryptedShamirShare(0, _sessionId, keyId, _partyId, _parties[_partyId - 1], recipient,
                        _parties[recipient - 1], sealedShare.Nonce, sealedShare.Ciphertext, sealedShare.Tag);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(plaintext);
                }
            }

            foreach (var (party, secrets) in pairwise)
            {
                _receiveKeys[party] = secrets.ReceiveKey.ToArray();
                if (party != _partyId)
                    _maskSeeds[party] = secrets.MaskSeed;
                else
                    CryptographicOperations.ZeroMemory(secrets.MaskSeed);
            }
        }
        finally
        {
            foreach (var share in shares)
                share.Dispose();
            foreach (var secrets in pairwise.Values)
                secrets.Dispose();
        }

        return new SecretShared(_sessionId, collective, keyId, sealedShares);
    }

    /// <summary>Opens a sealed Shamir share addressed to this party; kept here, never handed out, until the key is combined.</summary>
    private object OpenShamirShareCore(EncryptedShamirShare share)
    {
        ShamirShareRefused Refused(string reason) => new(share.SenderParty, share.SenderId, reason);
        if (share.SessionId != _sessionId || share.KeyId != _keyId.ToString())
            return Refused($"it is for key generation {share.SessionId} and key {share.KeyId}, not this one's {_sessionId} and {_keyId}");
        if (share.RecipientParty != _partyId || share.RecipientId != _parties[_partyId - 1])
            return Refused($"it is addressed to party {share.RecipientParty} ({share.RecipientId}), not to this party {_partyId}");
        if (share.SenderParty < 1 || share.SenderParty > _partyCount || share.SenderId != _parties[share.SenderParty - 1])
            return Refused($"its sender, party {share.SenderParty} ({share.SenderId}), is not a party of this key generation");
        if (_openedShares.ContainsKey(share.SenderParty))
            return Refused($"a share from {share.SenderId} was already accepted: a second one (a replay) is not");
        if (!_receiveKeys.TryGetValue(share.SenderParty, out var key))
            return Refused("this party holds no key for its sender: the key generation's reveals are not complete here");

        byte[] plaintext;
        try
        {
            var associated = ShamirShareSeal.AssociatedData(share.SessionId, share.KeyId, share.SenderParty, share.SenderId, share.RecipientParty, share.RecipientId);
            plaintext = ShamirShareSeal.Open(key, new SealedShare(share.Nonce, share.Ciphertext, share.Tag), associated);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return Refused($"it does not authenticate as sealed by {share.SenderId} for this party (tampered, or sealed by another key): {e.Message}");
        }

        try
        {
            var parsed = ShamirShare.FromBytes(_parameters, plaintext);
            if (parsed.SenderId != share.SenderParty || parsed.RecipientId != _partyId || parsed.KeyId != _keyId)
            {
                parsed.Dispose();
                return Refused($"the share inside was made by party {parsed.SenderId} for party {parsed.RecipientId} and key {parsed.KeyId}");
            }

            _openedShares[share.SenderParty] = parsed;
            return new ShamirShareOpened(share.SessionId, share.SenderParty, share.SenderId, _openedShares.Count);
        }
        catch (Exception e) when (e is CkksFormatException or ParameterSetMismatchException or ThresholdProtocolException)
        {
            return Refused($"the share inside is malformed: {e.Message}");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private object CombineSharesCore()
    {
        if (_openedShares.Count != _partyCount)
            throw new InvalidOperationException($"{_openedShares.Count} of {_partyCount} Shamir shares are opened; all are needed");
        try
        {
            SeededThresholdEncryptor? encryptor = null;
            if (IsSeeded)
            {
                // Kept one per dealer, not summed; s_i stays, to encrypt this party's updates under.
                _dealt = DealtSecretShares.FromShares(_parameters, _openedShares.OrderBy(s => s.Key).Select(s => s.Value));
                encryptor = UseSeededKey(_secretShare!, _dealt);
            }
            else
            {
                _thresholdKey = new ThresholdSecretSharer(_parameters).Combine(_openedShares.OrderBy(s => s.Key).Select(s => s.Value));
                _secretShare?.Dispose();
                _secretShare = null; // from here on only the threshold key can take part in decryption
            }

            _masks = new DecryptionMaskSeeds(_partyId, _maskSeeds);
            _audit = new DecryptionNoiseAudit(_parameters);
            _retiredBecause = null;
            foreach (var seed in _maskSeeds.Values)
                CryptographicOperations.ZeroMemory(seed);
            _maskSeeds.Clear();

            // Durable before reported: once the coordinator counts this party in, a restart must not lose its share.
            _keyFile?.Save(IsSeeded
                ? new SavedThresholdKey(_keyFile.HospitalId, _sessionId, _parties, _collectivePublicKey!, null, _masks, new SeededPartyKey(_secretShare!, _dealt!))
                : new SavedThresholdKey(_keyFile.HospitalId, _sessionId, _parties, _collectivePublicKey!, _thresholdKey!, _masks));
            return new ThresholdKeyReady(_keyId.ToString(), encryptor);
        }
        finally
        {
            foreach (var share in _openedShares.Values)
                share.Dispose();
            _openedShares.Clear();
            foreach (var key in _receiveKeys.Values)
                CryptographicOperations.ZeroMemory(key);
            _receiveKeys.Clear();
        }
    }

    /// <summary>Drops whatever an earlier key generation left: a new one begins, or the actor stops.</summary>
    private void ForgetKeyGeneration()
    {
        _keyAgreement?.Dispose();
        _keyAgreement = null;
        foreach (var share in _openedShares.Values)
            share.Dispose();
        _openedShares.Clear();
        foreach (var key in _receiveKeys.Values)
            CryptographicOperations.ZeroMemory(key);
        _receiveKeys.Clear();
        foreach (var seed in _maskSeeds.Values)
            CryptographicOperations.ZeroMemory(seed);
        _maskSeeds = new Dictionary<int, byte[]>();
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
        ForgetSeededKey();
        _secretShare = null;
        _thresholdKey = saved.SecretKey;
        _keyId = saved.KeyId;
        _partyId = saved.PartyId;
        _partyCount = saved.PartyCount;
        _threshold = saved.Threshold;
        SeededThresholdEncryptor? encryptor = null;
        if (saved.Seeded is { } seeded)
        {
            _secretShare = seeded.Own;
            _dealt = seeded.Dealt;
            try
            {
                encryptor = UseSeededKey(seeded.Own, seeded.Dealt);
            }
            catch (Exception e) when (e is ThresholdKeyFileException or ThresholdProtocolException)
            {
                ForgetSeededKey();
                return new KeyNotRestored(FileMissing: false, $"its record of decryptions cannot be used: {e.Message}");
            }
        }

        _sessionId = saved.SessionId;
        _parties = saved.Parties.ToArray();
        _collectivePublicKey = saved.CollectivePublicKey;
        ForgetKeyGeneration();
        _masks?.Dispose();
        _masks = saved.MaskSeeds;
        _audit = new DecryptionNoiseAudit(_parameters);
        _retiredBecause = null;
        return new KeyRestored(_sessionId, _keyId.ToString(), _partyId, _parties, _threshold, saved.CollectivePublicKey, _keyFile.FilePath, encryptor);
    }

    private static readonly ParallelOptions Cores = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>Runs <paramref name="work"/> for chunks 0..count−1 on every core; a chunk's failure is thrown as itself, not wrapped.</summary>
    private static void ForEachChunk(int count, Action<int> work)
    {
        try
        {
            Parallel.For(0, count, Cores, work);
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(aggregate.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>Whether this party's key set is of the seeded scheme.</summary>
    private bool IsSeeded => _parameters.Scheme == ThresholdScheme.SeededSecretKey;

    /// <summary>
    /// Takes <paramref name="own"/> (s_i) and <paramref name="dealt"/> as this party's seeded key: its decryptor remembers the
    /// decryptions recorded before (a restart forgets none), and its encryptor is returned for the hospital's crypto pool.
    /// </summary>
    private SeededThresholdEncryptor UseSeededKey(SecretKey own, DealtSecretShares dealt)
    {
        _seededDecryptor = new SeededThresholdDecryptor(_parameters, dealt, _ledger?.Load() ?? []);
        return new SeededThresholdEncryptor(_parameters, own, dealt.PartyId, dealt.KeyId);
    }

    private void ForgetSeededKey()
    {
        _seededDecryptor = null;
        _dealt?.Dispose();
        _dealt = null;
    }

    /// <summary>
    /// The seeded scheme: this party's shares of a round's sum, after checking the whole sum first — every chunk of the
    /// round's context and of the same contributors, at least the federation's minimum of them, this party's own update
    /// among them when it sent one — so a sum refused halfway never leaves a share behind. The decryptor itself refuses a
    /// second, different sum of the same round and chunk, and a second share of one sum for one committee.
    /// </summary>
    private object GenerateSeededDecryptionShares(GenerateDecryptionShares request, SeededDecryption seeded)
    {
        if (_seededDecryptor is null || _masks is null)
            throw new InvalidOperationException("no dealt shares and mask seeds: key generation has not completed");
        var sums = request.Ciphertexts.Select(bytes => SeededAggregateChunk.FromBytes(_parameters, bytes)).ToList();
        if (sums.Count == 0 || (seeded.OwnUpdate is { } sent && sent.Count != sums.Count))
            throw new ArgumentException($"round {request.Round}: the sum has {sums.Count} chunks, this hospital's update {seeded.OwnUpdate?.Count}");
        var contributors = sums[0].Contributors;
        for (var chunk = 0; chunk < sums.Count; chunk++)
        {
            var sum = sums[chunk];
            if (sum.ChunkIndex != chunk || sum.VectorLength != sums[0].VectorLength)
                throw new ArgumentException($"round {request.Round}: the sum's chunk {chunk} is chunk {sum.ChunkIndex} of a vector of {sum.VectorLength} values");
            if (!sum.Contributors.SequenceEqual(contributors))
                throw new ArgumentException($"round {request.Round}: chunk {chunk} of the sum holds parties [{string.Join(", ", sum.Contributors)}], "
                    + $"chunk 0 parties [{string.Join(", ", contributors)}]: every chunk of a sum must hold the same updates");
            if (seeded.OwnUpdate is { } own && !sum.Includes(SeededUpdateChunk.FromBytes(_parameters, own[chunk])))
                throw new ArgumentException($"round {request.Round}: the sum leaves out this hospital's own update (chunk {chunk}), which it sent for this round");
        }

        // Chunk by chunk on every core (the decryptor is thread-safe): each re-expands every contributor's a_i.
        var shares = new byte[sums.Count][];
        var decryptor = _seededDecryptor;
        var masks = _masks;
        ForEachChunk(sums.Count, chunk =>
            shares[chunk] = decryptor.GenShare(sums[chunk], request.Committee, seeded.Context, masks, seeded.MinimumContributors).ToBytes());
        try
        {
            // Durable before the shares leave: a restarted party must refuse a second sum of this round as this one would.
            _ledger?.Append(sums.Select(sum => SeededDecryptionRecord.Of(sum, request.Committee)));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return new DecryptionRefused(request.Round, request.Attempt, $"its decryptions cannot be recorded in {_ledger!.FilePath}: {exception.Message}");
        }

        return new DecryptionSharesReady(request.Round, request.Attempt, shares);
    }

    /// <summary>The seeded shares of <paramref name="request"/>, or the reason the sum is refused (nothing of it is shared then).</summary>
    private object GenerateSeededDecryptionSharesOrRefuse(GenerateDecryptionShares request, SeededDecryption seeded)
    {
        try
        {
            return GenerateSeededDecryptionShares(request, seeded);
        }
        catch (Exception exception) when (exception is ThresholdProtocolException or CkksFormatException or ParameterSetMismatchException or ArgumentException)
        {
            return new DecryptionRefused(request.Round, request.Attempt, exception.Message);
        }
    }

    private object GenerateDecryptionSharesCore(GenerateDecryptionShares request)
    {
        if (request.Seeded is { } seeded)
            return GenerateSeededDecryptionSharesOrRefuse(request, seeded);
        if (_thresholdKey is null || _masks is null)
            throw new InvalidOperationException("no threshold key and mask seeds: key generation has not completed");
        if (_retiredBecause is not null)
            throw new InvalidOperationException($"the collective key is retired: {_retiredBecause}");
        var decryptor = new ThresholdDecryptor(_parameters, _thresholdKey);
        var context = DecryptionContext(request.Round, request.Attempt);
        // Masked: the committee's masks cancel in the fused sum, so an observer of one member's share learns nothing from it.
        var shares = request.Ciphertexts
            .Select(bytes => decryptor.GenShare(Ciphertext.FromBytes(_parameters.Ckks, bytes), request.Committee, context, _masks).ToBytes())
            .ToArray();
        return new DecryptionSharesReady(request.Round, request.Attempt, shares);
    }

    /// <summary>The seeded scheme: Σ c0 plus the committee's shares, chunk by chunk (no audit is needed: nobody chose what multiplies a share).</summary>
    private object FuseSeededShares(FuseShares request, byte[] context)
    {
        var combiner = new SeededThresholdCombiner(_parameters, _keyId, _threshold, _partyCount);
        var values = new double[request.VectorLength];
        ForEachChunk(request.Ciphertexts.Count, chunk =>
        {
            var sum = SeededAggregateChunk.FromBytes(_parameters, request.Ciphertexts[chunk]);
            var (offset, count) = AggregationChunk.ChunkRange(_parameters.Ckks, request.VectorLength, chunk);
            combiner.FuseValues(sum, request.SharesByParty.Values.Select(perChunk => perChunk[chunk]), context, values.AsSpan(offset, count));
        });

        return new SharesFused(request.Round, request.Attempt, values);
    }

    private object FuseSharesCore(FuseShares request)
    {
        if (request.SeededContext is { } seededContext)
            return FuseSeededShares(request, seededContext);
        var combiner = new ThresholdCombiner(_parameters, _keyId, _threshold, _partyCount);
        var context = DecryptionContext(request.Round, request.Attempt);
        var values = new double[request.VectorLength];
        var slots = _parameters.Ckks.SlotCount;
        try
        {
            for (var chunk = 0; chunk < request.Ciphertexts.Count; chunk++)
            {
                var ciphertext = Ciphertext.FromBytes(_parameters.Ckks, request.Ciphertexts[chunk]);
                var shares = request.SharesByParty.Values.Select(perChunk => perChunk[chunk]).ToList();
                var fused = combiner.FuseValues(ciphertext, shares, context, _audit);
                var count = Math.Min(slots, request.VectorLength - chunk * slots);
                fused.AsSpan(0, count).CopyTo(values.AsSpan(chunk * slots));
            }
        }
        catch (SuspiciousDecryptionException suspicious)
        {
            _retiredBecause = $"round {request.Round}'s aggregate: {suspicious.Message}";
            return new KeyExposureSuspected(request.Round, request.Attempt, suspicious.Message);
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
        _masks?.Dispose();
        ForgetSeededKey();
        ForgetKeyGeneration();
    }

    public sealed record GeneratePublicKeyShare(string SessionId, int PartyId, string[] Parties, int Threshold) : INoSerializationVerificationNeeded;

    /// <summary>Load the key saved by an earlier incarnation; answered with <see cref="KeyRestored"/> or <see cref="KeyNotRestored"/>.</summary>
    public sealed class RestoreKey : INoSerializationVerificationNeeded
    {
        public static readonly RestoreKey Instance = new();
    }

    /// <summary>The saved key is loaded and in use; everything but the secret share itself.</summary>
    public sealed record KeyRestored(string SessionId, string KeyId, int PartyId, string[] Parties, int Threshold, PublicKey CollectivePublicKey, string FilePath,
        SeededThresholdEncryptor? SeededEncryptor = null) : INoSerializationVerificationNeeded;

    /// <summary>No key was loaded: there is no file (<paramref name="FileMissing"/>), or it was refused for <paramref name="Reason"/>.</summary>
    public sealed record KeyNotRestored(bool FileMissing, string Reason) : INoSerializationVerificationNeeded;

    /// <summary>This party's public-key share b_i and key-agreement public key for the session, to commit to and later reveal.</summary>
    public sealed record PublicKeyShareReady(string SessionId, byte[] Share, byte[] KeyAgreementKey) : INoSerializationVerificationNeeded;

    /// <summary>
    /// Every party's verified public-key share and key-agreement key (party j is element j−1) and the transcript hash:
    /// compute the collective key and re-share the secret; answered with <see cref="SecretShared"/>.
    /// </summary>
    public sealed record ShareSecret(string SessionId, IReadOnlyList<byte[]> PublicKeyShares, IReadOnlyList<byte[]> KeyAgreementKeys, byte[] Salt)
        : INoSerializationVerificationNeeded;

    /// <summary>The collective key this party computed in key generation <paramref name="SessionId"/>, its id, and one sealed Shamir share per party (element j−1 for party j).</summary>
    public sealed record SecretShared(string SessionId, PublicKey CollectivePublicKey, string KeyId, EncryptedShamirShare[] SharesByRecipient) : INoSerializationVerificationNeeded;

    /// <summary>Open a sealed share addressed to this party; answered with <see cref="ShamirShareOpened"/> or <see cref="ShamirShareRefused"/>.</summary>
    public sealed record OpenShamirShare(EncryptedShamirShare Share) : INoSerializationVerificationNeeded;

    /// <summary>The share from <paramref name="SenderId"/> for key generation <paramref name="SessionId"/> authenticated and is kept; <paramref name="Opened"/> shares are held now.</summary>
    public sealed record ShamirShareOpened(string SessionId, int SenderParty, string SenderId, int Opened) : INoSerializationVerificationNeeded;

    /// <summary>A share claiming to be from <paramref name="SenderId"/> was refused, for <paramref name="Reason"/>.</summary>
    public sealed record ShamirShareRefused(int SenderParty, string SenderId, string Reason) : INoSerializationVerificationNeeded;

    /// <summary>Combine the opened shares into the threshold key (and save it); answered with <see cref="ThresholdKeyReady"/>.</summary>
    public sealed class CombineShares : INoSerializationVerificationNeeded
    {
        public static readonly CombineShares Instance = new();
    }

    /// <summary>The threshold key is ready; in the seeded scheme with this party's encryptor under its own secret s_i (local only).</summary>
    public sealed record ThresholdKeyReady(string KeyId, SeededThresholdEncryptor? SeededEncryptor = null) : INoSerializationVerificationNeeded;

    /// <summary>
    /// What decrypting a seeded sum needs beside it: the round's <paramref name="Context"/> (<see cref="CryptoPool.SeededUpdateContext"/>),
    /// the fewest contributions a sum may have, and this hospital's own update chunks of the round when it sent one.
    /// </summary>
    public sealed record SeededDecryption(byte[] Context, int MinimumContributors, IReadOnlyList<byte[]>? OwnUpdate);

    public sealed record GenerateDecryptionShares(int Round, int Attempt, IReadOnlyList<byte[]> Ciphertexts, int[] Committee, SeededDecryption? Seeded = null)
        : INoSerializationVerificationNeeded;

    /// <summary>This party refused to decrypt the round's sum (committee <paramref name="Attempt"/>) for <paramref name="Reason"/>; it made no share of it.</summary>
    public sealed record DecryptionRefused(int Round, int Attempt, string Reason) : INoSerializationVerificationNeeded;

    public sealed record DecryptionSharesReady(int Round, int Attempt, byte[][] SharesByChunk) : INoSerializationVerificationNeeded;

    public sealed record FuseShares(int Round, int Attempt, IReadOnlyList<byte[]> Ciphertexts, int VectorLength, IReadOnlyDictionary<int, DecryptionShare[]> SharesByParty,
        byte[]? SeededContext = null) : INoSerializationVerificationNeeded;

    public sealed record SharesFused(int Round, int Attempt, double[] Values) : INoSerializationVerificationNeeded;

    /// <summary>The fused aggregate carried more than honest noise: it is not used, and the key holder retired the key.</summary>
    public sealed record KeyExposureSuspected(int Round, int Attempt, string Reason) : INoSerializationVerificationNeeded;
}
