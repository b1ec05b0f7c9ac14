using System.Security.Cryptography;
using FederatedHe.Actors.Security;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// What two parties derive from their signed key-agreement keys: the same mask seed at both ends, one Shamir-share key
/// per direction, nothing a third key or another transcript reproduces; and a sealed share opens only for its recipient,
/// with exactly the associated data it was sealed with.
/// </summary>
public sealed class PairwiseSecretsTests
{
    private static readonly KeyGenerationSession Session = new("session-1", ["hospital-1", "hospital-2", "hospital-3"], 2, "params");
    private static readonly byte[][] Commitments = [new byte[32], Enumerable.Repeat((byte)1, 32).ToArray(), Enumerable.Repeat((byte)2, 32).ToArray()];

    [Fact]
    public void Two_parties_derive_the_same_mask_seed_and_mirrored_share_keys_and_a_third_key_derives_neither()
    {
        var parties = Enumerable.Range(1, 3).Select(PartyKeyAgreement.Create).ToArray();
        var publicKeys = parties.Select(p => p.PublicKey).ToList();
        var salt = KeyGenerationTranscript.Salt(Session, Commitments);
        var derived = parties.Select(p => p.DeriveAll(publicKeys, salt)).ToArray();
        using var outsider = PartyKeyAgreement.Create(1);
        var impostor = outsider.DeriveAll(publicKeys, salt);

        Assert.Equal(derived[0][2].MaskSeed, derived[1][1].MaskSeed);
        Assert.Equal(derived[0][2].SendKey, derived[1][1].ReceiveKey);
        Assert.Equal(derived[0][2].ReceiveKey, derived[1][1].SendKey);
        Assert.NotEqual(derived[0][2].SendKey, derived[0][2].ReceiveKey);
        Assert.NotEqual(derived[0][2].MaskSeed, derived[0][3].MaskSeed);
        Assert.NotEqual(derived[0][2].SendKey, impostor[2].SendKey);
        Assert.NotEqual(derived[0][2].MaskSeed, impostor[2].MaskSeed);
        Assert.Throws<InvalidOperationException>(() => parties[0].DeriveAll(publicKeys, salt)); // the private key is gone
    }

    [Fact]
    public void Another_transcript_gives_other_secrets_from_the_same_keys()
    {
        var parties = Enumerable.Range(1, 2).Select(PartyKeyAgreement.Create).ToArray();
        var twoParty = Session with { Parties = ["hospital-1", "hospital-2"] };
        var salt = KeyGenerationTranscript.Salt(twoParty, Commitments[..2]);
        var otherSalt = KeyGenerationTranscript.Salt(twoParty with { SessionId = "session-2" }, Commitments[..2]);
        var first = parties[0].DeriveAll([parties[0].PublicKey, parties[1].PublicKey], salt);
        var second = parties[1].DeriveAll([parties[0].PublicKey, parties[1].PublicKey], otherSalt);

        Assert.NotEqual(first[2].MaskSeed, second[1].MaskSeed);
    }

    [Fact]
    public void A_sealed_share_opens_only_with_its_key_and_the_associated_data_it_was_sealed_with()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var share = RandomNumberGenerator.GetBytes(1000);
        var associated = ShamirShareSeal.AssociatedData("session-1", "key", 1, "hospital-1", 2, "hospital-2");
        var sealedShare = ShamirShareSeal.Seal(key, share, associated);

        Assert.Equal(share, ShamirShareSeal.Open(key, sealedShare, associated));
        Assert.Equal(-1, sealedShare.Ciphertext.AsSpan().IndexOf(share.AsSpan(0, 16)));
        var misaddressed = ShamirShareSeal.AssociatedData("session-1", "key", 1, "hospital-1", 3, "hospital-3");
        Assert.ThrowsAny<CryptographicException>(() => ShamirShareSeal.Open(key, sealedShare, misaddressed));
        Assert.ThrowsAny<CryptographicException>(() => ShamirShareSeal.Open(RandomNumberGenerator.GetBytes(32), sealedShare, associated));
        var tampered = sealedShare with { Ciphertext = (byte[])sealedShare.Ciphertext.Clone() };
        tampered.Ciphertext[10] ^= 0x80;
        Assert.ThrowsAny<CryptographicException>(() => ShamirShareSeal.Open(key, tampered, associated));
    }

    [Fact]
    public void Signed_bytes_differ_by_purpose_session_party_list_threshold_and_party()
    {
        var commitment = Commitments[1];
        var signed = KeyGenerationTranscript.CommitmentSignedBytes(Session, 2, commitment);

        Assert.NotEqual(signed, KeyGenerationTranscript.RevealSignedBytes(Session, 2, commitment));
        Assert.NotEqual(signed, KeyGenerationTranscript.CommitmentSignedBytes(Session with { SessionId = "session-2" }, 2, commitment));
        Assert.NotEqual(signed, KeyGenerationTranscript.CommitmentSignedBytes(Session with { Parties = ["hospital-1", "hospital-2", "hospital-4"] }, 2, commitment));
        Assert.NotEqual(signed, KeyGenerationTranscript.CommitmentSignedBytes(Session with { Threshold = 3 }, 2, commitment));
        Assert.NotEqual(signed, KeyGenerationTranscript.CommitmentSignedBytes(Session, 3, commitment));
        Assert.NotEqual(KeyGenerationTranscript.Commitment([1, 2], [3]), KeyGenerationTranscript.Commitment([1], [2, 3]));
    }

    [Fact]
    public void Bytes_that_are_not_a_P256_public_key_are_named_as_such()
    {
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);

        Assert.Null(PartyKeyAgreement.PublicKeyProblem(PartyKeyAgreement.Create(1).PublicKey));
        Assert.Contains("not a P-256 public key", PartyKeyAgreement.PublicKeyProblem(p384.ExportSubjectPublicKeyInfo()));
        Assert.Contains("not a P-256 public key", PartyKeyAgreement.PublicKeyProblem(new byte[91]));
        Assert.Contains("1 to 256", PartyKeyAgreement.PublicKeyProblem([]));
    }
}
