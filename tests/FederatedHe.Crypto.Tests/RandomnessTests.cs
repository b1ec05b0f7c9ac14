using System.Text.RegularExpressions;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests;

public class RandomnessTests
{
    [Fact]
    public void Uniform_sampling_in_blocks_accepts_and_rejects_the_same_words_as_drawing_one_word_at_a_time()
    {
        // 65537 = 2^16 + 1 rejects almost half of the 17-bit words, so rejections and refills are exercised.
        var ring = new RingContext(10, [65537UL, Primes.GenerateNttPrimes(10, [60], [])[0]]);
        var seed = Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray();
        var polynomial = new RnsPolynomial(ring.N, 2);
        using (var prng = new AesCtrPrng(seed))
        {
            prng.NextByte(); // an unaligned start
            Sampling.SampleUniform(prng, ring, polynomial, 2);
        }

        using var reference = new AesCtrPrng(seed);
        reference.NextByte();
        for (int l = 0; l < 2; l++)
        {
            ulong q = ring.Moduli[l].Value;
            ulong mask = (1UL << ring.Moduli[l].BitCount) - 1;
            for (int j = 0; j < ring.N; j++)
            {
                ulong v;
                do
                {
                    v = reference.NextUInt64() & mask;
                }
                while (v >= q);

                Assert.Equal(v, polynomial.Limb(l)[j]);
            }
        }
    }

    [Fact]
    public void The_vectorised_Gaussian_sampler_draws_exactly_what_the_table_inversion_defines_including_a_ragged_tail()
    {
        var seed = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray();
        var samples = new sbyte[1003];
        using (var prng = new AesCtrPrng(seed))
        {
            Sampling.SampleGaussian(prng, samples);
        }

        using var reference = new AesCtrPrng(seed);
        var table = Sampling.GaussianCumulativeTable.ToArray();
        foreach (sbyte sample in samples)
        {
            ulong word = reference.NextUInt64();
            ulong u = word & 0x7FFFFFFFFFFFFFFFUL;
            int magnitude = table.Count(entry => u >= entry);
            Assert.Equal((word >> 63) == 0 ? magnitude : -magnitude, sample);
        }
    }

    private static readonly byte[] KnownSeed = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void AES_CTR_keystream_matches_known_answers_computed_independently_with_openssl()
    {
        // openssl enc -aes-256-ecb -nopad -K 000102…1f over the little-endian counter blocks 0, 1, 2, 3.
        const string expected = "f29000b62a499fd0a9f39a6add2e7780c7b519846a11411cd6ac07cb03f801a8"
            + "4ef4b88bebd54953c37ffaf66efaca7b80c3017e8f89ab315ede32b11e48ab50";
        using var prng = new AesCtrPrng(KnownSeed);
        var output = new byte[64];
        prng.Fill(output);
        Assert.Equal(expected, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void A_uniform_polynomial_is_regenerated_identically_from_its_seed_and_matches_its_known_answer()
    {
        var parameters = CkksPresets.Params128BitLogN13LogQ101;
        var first = KeyGenerator.ExpandCommonPolynomial(parameters, KnownSeed);
        var second = KeyGenerator.ExpandCommonPolynomial(parameters, KnownSeed);
        Assert.Equal(first.Coefficients.ToArray(), second.Coefficients.ToArray());
        Assert.True(first.IsNttForm);
        for (int l = 0; l < first.LimbCount; l++)
        {
            Assert.All(first.Limb(l).ToArray(), v => Assert.True(v < parameters.CiphertextPrimes[l]));
        }

        // Keystream word 0 is 0xd09f492ab60090f2 (bytes f2 90 00 b6 … little-endian); masked to 60 bits it is below q0.
        Assert.Equal(0xd09f492ab60090f2UL & ((1UL << 60) - 1), first.Limb(0)[0]);
        var other = KeyGenerator.ExpandCommonPolynomial(parameters, Enumerable.Repeat((byte)7, 32).ToArray());
        Assert.NotEqual(first.Limb(0)[0], other.Limb(0)[0]);
    }

    [Fact]
    public void Uniform_residues_cover_the_range_evenly()
    {
        var ring = new RingContext(10, Primes.GenerateNttPrimes(10, [20]));
        var p = ring.NewPolynomial();
        using var prng = new AesCtrPrng(KnownSeed);
        var buckets = new int[8];
        for (int round = 0; round < 50; round++)
        {
            Sampling.SampleUniform(prng, ring, p, 1);
            foreach (ulong v in p.Limb(0))
            {
                buckets[(int)(v * 8 / ring.Moduli[0].Value)]++;
            }
        }

        double expected = 50.0 * 1024 / 8;
        Assert.All(buckets, count => Assert.InRange(count, expected * 0.9, expected * 1.1));
    }

    [Fact]
    public void Ternary_coefficients_are_minus_one_zero_or_one_with_equal_frequency()
    {
        using var prng = new AesCtrPrng(KnownSeed);
        var values = new sbyte[90000];
        Sampling.SampleTernary(prng, values);
        Assert.All(values, v => Assert.InRange(v, (sbyte)-1, (sbyte)1));
        foreach (sbyte target in new sbyte[] { -1, 0, 1 })
        {
            Assert.InRange(values.Count(v => v == target), 29000, 31000);
        }
    }

    [Fact]
    public void Gaussian_errors_have_sigma_3_2_zero_mean_and_never_exceed_six_sigma()
    {
        using var prng = new AesCtrPrng(KnownSeed);
        var values = new sbyte[200000];
        Sampling.SampleGaussian(prng, values);
        double mean = values.Average(v => (double)v);
        double sigma = Math.Sqrt(values.Average(v => (double)v * v) - (mean * mean));
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(sigma, 3.17, 3.23);
        Assert.All(values, v => Assert.InRange((int)v, -Sampling.GaussianBound, Sampling.GaussianBound));
    }

    [Fact]
    public void Gaussian_table_matches_the_discrete_Gaussian_formula()
    {
        double Rho(int x) => Math.Exp(-(x * x) / (2 * Sampling.GaussianSigma * Sampling.GaussianSigma));
        double total = Enumerable.Range(-19, 39).Sum(Rho);
        double cumulative = 0;
        var table = Sampling.GaussianCumulativeTable;
        for (int k = 0; k < table.Length; k++)
        {
            cumulative += (k == 0 ? 1 : 2) * Rho(k) / total;
            Assert.Equal(cumulative, table[k] / Math.ScaleB(1.0, 63), 12);
        }
    }

    [Fact]
    public void Nothing_in_the_crypto_sources_uses_System_Random()
    {
        string root = FindRepositoryRoot();
        var offenders = Directory.EnumerateFiles(Path.Combine(root, "src", "Crypto"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => Regex.IsMatch(File.ReadAllText(f), @"\bnew\s+(System\.)?Random\s*\(|System\.Random\b|Random\.Shared"))
            .ToList();
        Assert.Empty(offenders);
    }

    internal static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "src", "Crypto")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }
}
