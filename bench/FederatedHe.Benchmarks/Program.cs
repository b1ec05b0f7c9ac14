using FederatedHe.Benchmarks;

return args.Length > 0 && args[0] == "crypto"
    ? CryptoBenchmarks.Run(args[1..])
    : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: FederatedHe.Benchmarks crypto [--json out.json] [--quick] [--skip-pipeline]");
    return 2;
}
