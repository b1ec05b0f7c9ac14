namespace FederatedHe.Crypto.Tests;

public class SmokeTests
{
    [Theory]
    [InlineData("Params128BitLogN13FedAvg")]
    [InlineData("Params128BitLogN13LogQ101")]
    [InlineData("Params128BitLogN14LogQ101")]
    [InlineData("TestInsecureLogN6")]
    [InlineData("TestInsecureLogN10ThreePrimes")]
    public void Smoke(string preset)
    {
        var ctx = SharedContexts.For(preset);
        var random = new Random(1);
        var values = CkksContext.RandomValues(random, ctx.Parameters.SlotCount, 1);
        var pt = ctx.Encoder.EncodeNew(values);
        var decoded = new double[values.Length];
        ctx.Encoder.Decode(pt, decoded);
        double encodeError = CkksContext.MaxError(values, decoded);
        double pkError = CkksContext.MaxError(values, ctx.Decrypt(ctx.Encrypt(values), values.Length));
        double skError = CkksContext.MaxError(values, ctx.Decrypt(ctx.Encrypt(values, compact: true), values.Length));
        Assert.True(encodeError < 1e-6, $"encode {encodeError}");
        Assert.True(pkError < 1e-5, $"pk {pkError}");
        Assert.True(skError < 1e-5, $"sk {skError}");
    }
}
