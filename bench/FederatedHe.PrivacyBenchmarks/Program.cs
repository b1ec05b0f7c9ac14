using FederatedHe.PrivacyBenchmarks;

TorchSharp.torch.set_num_threads(1);
return args.Length == 0 ? Usage() : args[0] switch
{
    "speed" => SpeedBenchmark.Run(args[1..]),
    "curve" => AccuracyCurve.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: FederatedHe.PrivacyBenchmarks speed [--repetitions N]");
    Console.Error.WriteLine("       FederatedHe.PrivacyBenchmarks curve [--seeds N]");
    return 2;
}
