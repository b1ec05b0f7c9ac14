namespace FederatedHe.Crypto.Ring;

/// <summary>
/// Deterministic generation and testing of NTT-friendly primes (q ≡ 1 mod 2N).
/// </summary>
/// <remarks>
/// Thread-safe (stateless). Generation is deterministic so a parameter literal given as bit sizes
/// always yields the same chain: for a bit size b the candidates are k·2N + 1 below 2^b, taken in
/// decreasing order, skipping primes already used.
/// </remarks>
public static class Primes
{
    // These bases make Miller-Rabin deterministic for every 64-bit integer.
    private static readonly ulong[] WitnessBases = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

    /// <summary>Deterministic primality test for 64-bit integers.</summary>
    public static bool IsPrime(ulong n)
    {
        if (n < 2)
        {
            return false;
        }

        foreach (ulong p in WitnessBases)
        {
            if (n % p == 0)
            {
                return n == p;
            }
        }

        ulong d = n - 1;
        int r = 0;
        while ((d & 1) == 0)
        {
            d >>= 1;
            r++;
        }

        foreach (ulong a in WitnessBases)
        {
            ulong x = PowMod(a, d, n);
            if (x == 1 || x == n - 1)
            {
                continue;
            }

            bool composite = true;
            for (int i = 1; i < r; i++)
            {
                x = (ulong)((UInt128)x * x % n);
                if (x == n - 1)
                {
                    composite = false;
                    break;
                }
            }

            if (composite)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Generates primes q ≡ 1 (mod 2N) with the requested bit sizes, deterministically and all distinct.
    /// </summary>
    /// <param name="logN">log2 of the ring dimension N.</param>
    /// <param name="bitSizes">Bit size of each prime, in chain order.</param>
    /// <param name="exclude">Primes that must not be returned (e.g. already used in another chain).</param>
    /// <exception cref="ArgumentOutOfRangeException">A bit size is outside [<see cref="Modulus.MinBits"/>, <see cref="Modulus.MaxBits"/>] or too small for N.</exception>
    /// <exception cref="InvalidOperationException">Not enough primes of a size exist.</exception>
    public static ulong[] GenerateNttPrimes(int logN, IReadOnlyList<int> bitSizes, IReadOnlyCollection<ulong>? exclude = null)
    {
        ArgumentNullException.ThrowIfNull(bitSizes);
        var used = new HashSet<ulong>(exclude ?? []);
        var result = new ulong[bitSizes.Count];
        ulong step = 2UL << logN;
        for (int i = 0; i < bitSizes.Count; i++)
        {
            int bits = bitSizes[i];
            if (bits < Modulus.MinBits || bits > Modulus.MaxBits || bits <= logN + 1)
            {
                throw new ArgumentOutOfRangeException(nameof(bitSizes), bits, $"Prime sizes must be {Modulus.MinBits}..{Modulus.MaxBits} bits and exceed log2(2N).");
            }

            ulong upper = 1UL << bits;
            ulong lower = 1UL << (bits - 1);
            ulong candidate = upper - step + 1; // largest k·2N + 1 below 2^bits
            bool found = false;
            while (candidate > lower)
            {
                if (!used.Contains(candidate) && IsPrime(candidate))
                {
                    result[i] = candidate;
                    used.Add(candidate);
                    found = true;
                    break;
                }

                candidate -= step;
            }

            if (!found)
            {
                throw new InvalidOperationException($"No unused {bits}-bit prime congruent to 1 mod 2^{logN + 1} is left.");
            }
        }

        return result;
    }

    /// <summary>
    /// The smallest primitive 2N-th root of unity modulo the prime q (the canonical choice that fixes
    /// the NTT, and with it the wire format of NTT-domain coefficients).
    /// </summary>
    /// <exception cref="ArgumentException">q is not ≡ 1 (mod 2N).</exception>
    public static ulong MinimalPrimitiveRoot(Modulus q, int logN)
    {
        ArgumentNullException.ThrowIfNull(q);
        ulong order = 2UL << logN;
        if ((q.Value - 1) % order != 0)
        {
            throw new ArgumentException($"{q.Value} is not congruent to 1 mod 2N.", nameof(q));
        }

        ulong cofactor = (q.Value - 1) / order;
        ulong n = order / 2;
        for (ulong g = 2; g < q.Value; g++)
        {
            ulong psi = q.Pow(g, cofactor);
            if (q.Pow(psi, n) != q.Value - 1)
            {
                continue; // order of psi is not 2N
            }

            // Every primitive 2N-th root is an odd power of psi; keep the smallest.
            ulong best = psi;
            ulong psiSquared = q.Multiply(psi, psi);
            ulong current = psi;
            for (ulong k = 1; k < n; k++)
            {
                current = q.Multiply(current, psiSquared);
                if (current < best)
                {
                    best = current;
                }
            }

            return best;
        }

        throw new ArgumentException($"No primitive 2N-th root modulo {q.Value}.", nameof(q));
    }

    private static ulong PowMod(ulong a, ulong e, ulong n)
    {
        ulong result = 1;
        ulong b = a % n;
        while (e != 0)
        {
            if ((e & 1) != 0)
            {
                result = (ulong)((UInt128)result * b % n);
            }

            b = (ulong)((UInt128)b * b % n);
            e >>= 1;
        }

        return result;
    }
}
