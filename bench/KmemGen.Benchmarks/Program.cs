using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/KmemGen.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
