using System.Numerics;
using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Tests;

public class RingArithmeticTests
{
    private static readonly ulong[] SamplePrimes = Primes.GenerateNttPrimes(13, [61, 60, 41, 30, 17 + 1]);

    [Fact]
    public void Generated_primes_are_prime_NTT_friendly_distinct_of_the_requested_size_and_deterministic()
    {
        int[] sizes = [60, 41, 41, 55, 61];
        var primes = Primes.GenerateNttPrimes(14, sizes);
        Assert.Equal(primes, Primes.GenerateNttPrimes(14, sizes));
        Assert.Equal(primes.Length, primes.Distinct().Count());
        for (int i = 0; i < sizes.Length; i++)
        {
            Assert.True(Primes.IsPrime(primes[i]));
            Assert.Equal(1UL, primes[i] % (2UL << 14));
            Assert.Equal(sizes[i], 64 - BitOperations.LeadingZeroCount(primes[i]));
        }
    }

    [Fact]
    public void Primality_test_agrees_with_trial_division_on_small_numbers_and_knows_large_composites()
    {
        for (ulong n = 0; n < 5000; n++)
        {
            bool trial = n >= 2;
            for (ulong d = 2; d * d <= n && trial; d++)
            {
                trial = n % d != 0;
            }

            Assert.Equal(trial, Primes.IsPrime(n));
        }

        Assert.False(Primes.IsPrime(3215031751UL)); // strong pseudoprime to bases 2, 3, 5, 7
        Assert.False(Primes.IsPrime(4611686014132420609UL)); // (2^31 - 1)^2
        Assert.True(Primes.IsPrime(2305843009213693951UL)); // 2^61 - 1
    }

    [Fact]
    public void Modular_products_match_128_bit_reference_arithmetic_on_random_operands()
    {
        var random = new Random(7);
        foreach (ulong p in SamplePrimes)
        {
            var q = new Modulus(p);
            for (int i = 0; i < 20000; i++)
            {
                ulong a = (ulong)random.NextInt64() % p;
                ulong b = (ulong)random.NextInt64() % p;
                ulong expected = (ulong)((UInt128)a * b % p);
                Assert.Equal(expected, q.Multiply(a, b));
                Assert.Equal(expected, q.MultiplyShoup(a, b, q.ShoupPrecompute(b)));
                ulong x = (ulong)random.NextInt64() * 2;
                Assert.Equal(x % p, q.Reduce(x));
                Assert.Equal((a + b) % p, q.Add(a, b));
                Assert.Equal((a + p - b) % p, q.Subtract(a, b));
            }

            Assert.Equal(1UL, q.Multiply(q.Inverse(12345), 12345));
            Assert.Equal((ulong)(BigInteger.ModPow(2, 100, p)), q.ReduceRounded(Math.ScaleB(1.0, 100)));
        }
    }

    [Fact]
    public void Rounded_reduction_of_large_doubles_is_exact()
    {
        var random = new Random(11);
        foreach (ulong p in SamplePrimes)
        {
            var q = new Modulus(p);
            for (int i = 0; i < 2000; i++)
            {
                double v = (random.NextDouble() - 0.5) * Math.ScaleB(1.0, random.Next(0, 200));
                var exact = new BigInteger(Math.Round(v));
                ulong expected = (ulong)(((exact % p) + p) % p);
                Assert.Equal(expected, q.ReduceRounded(v));
            }
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(10)]
    public void NTT_multiplication_equals_the_schoolbook_negacyclic_product(int logN)
    {
        int n = 1 << logN;
        var primes = Primes.GenerateNttPrimes(logN, [61, 40, 25]);
        var ring = new RingContext(logN, primes);
        var random = new Random(logN);
        for (int trial = 0; trial < 3; trial++)
        {
            var a = ring.NewPolynomial();
            var b = ring.NewPolynomial();
            for (int l = 0; l < primes.Length; l++)
            {
                for (int j = 0; j < n; j++)
                {
                    a.Limb(l)[j] = (ulong)random.NextInt64() % primes[l];
                    b.Limb(l)[j] = (ulong)random.NextInt64() % primes[l];
                }
            }

            var expected = ring.NewPolynomial();
            for (int l = 0; l < primes.Length; l++)
            {
                Schoolbook(a.Limb(l), b.Limb(l), expected.Limb(l), ring.Moduli[l]);
            }

            var product = ring.NewPolynomial();
            var aNtt = a.Clone();
            var bNtt = b.Clone();
            ring.ToNtt(aNtt);
            ring.ToNtt(bNtt);
            ring.Multiply(aNtt, bNtt, product, primes.Length);
            ring.FromNtt(product);
            Assert.Equal(expected.Coefficients.ToArray(), product.Coefficients.ToArray());

            ring.FromNtt(aNtt);
            Assert.Equal(a.Coefficients.ToArray(), aNtt.Coefficients.ToArray());
        }
    }

    [Fact]
    public void Element_wise_operations_match_scalar_modular_arithmetic_including_vector_tails()
    {
        var primes = Primes.GenerateNttPrimes(4, [61, 33]);
        var ring = new RingContext(4, primes);
        var random = new Random(3);
        var a = ring.NewPolynomial();
        var b = ring.NewPolynomial();
        for (int l = 0; l < 2; l++)
        {
            for (int j = 0; j < 16; j++)
            {
                a.Limb(l)[j] = j == 0 ? 0 : (ulong)random.NextInt64() % primes[l];
                b.Limb(l)[j] = j == 1 ? primes[l] - 1 : (ulong)random.NextInt64() % primes[l];
            }
        }

        var sum = ring.NewPolynomial();
        var difference = ring.NewPolynomial();
        var negation = ring.NewPolynomial();
        ring.Add(a, b, sum, 2);
        ring.Subtract(a, b, difference, 2);
        ring.Negate(a, negation, 2);
        for (int l = 0; l < 2; l++)
        {
            ulong p = primes[l];
            for (int j = 0; j < 16; j++)
            {
                Assert.Equal((a.Limb(l)[j] + b.Limb(l)[j]) % p, sum.Limb(l)[j]);
                Assert.Equal((a.Limb(l)[j] + p - b.Limb(l)[j]) % p, difference.Limb(l)[j]);
                Assert.Equal((p - a.Limb(l)[j]) % p, negation.Limb(l)[j]);
            }
        }
    }

    [Fact]
    public void Bit_packing_round_trips_every_supported_width()
    {
        var random = new Random(5);
        for (int bits = 17; bits <= 61; bits++)
        {
            var values = new ulong[64];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (ulong)random.NextInt64() & ((1UL << bits) - 1);
            }

            var packed = new byte[BitPacking.PackedLength(values.Length, bits)];
            BitPacking.Pack(values, bits, packed);
            var unpacked = new ulong[values.Length];
            Assert.Equal(-1, BitPacking.Unpack(packed, bits, ulong.MaxValue, unpacked));
            Assert.Equal(values, unpacked);
        }
    }

    private static void Schoolbook(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result, Modulus q)
    {
        int n = a.Length;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                ulong product = q.Multiply(a[i], b[j]);
                int k = i + j;
                result[k % n] = k < n ? q.Add(result[k], product) : q.Subtract(result[k - n], product);
            }
        }
    }
}
