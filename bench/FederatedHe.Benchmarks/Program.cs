using FederatedHe.Benchmarks;

return args.Length == 0 ? Usage() : args[0] switch
{
    "crypto" => CryptoBenchmarks.Run(args[1..]),
    "threshold" => ThresholdBenchmarks.Run(args[1..]),
    "threshold-seeded" => SeededThresholdBenchmarks.Run(args[1..]),
    "pool" => CryptoPoolBenchmarks.Run(args[1..]),
    "he-scale" => HeScaleBenchmarks.Run(args[1..]),
    "federation" => FederationBenchmarks.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: FederatedHe.Benchmarks crypto [--json out.json] [--quick] [--skip-pipeline]");
    Console.Error.WriteLine("       FederatedHe.Benchmarks threshold [options]");
    Console.Error.WriteLine("       FederatedHe.Benchmarks threshold-seeded [--json out.json] [--quick]");
    Console.Error.WriteLine("       FederatedHe.Benchmarks pool [--json out.json]");
    Console.Error.WriteLine("       FederatedHe.Benchmarks he-scale [--json out.json] [--length 1000000] [--repetitions 5]");
    Console.Error.WriteLine("       FederatedHe.Benchmarks federation [--as simulate|cluster] [--acceptable-heartbeat-pause 30s] [--json out.json] [--repetitions 3] [--rounds 3] [--models lr,100k,1m] [--modes insecure-plaintext,shared-key,threshold,threshold-collective-key] [--fedhe path]");
    return 2;
}
