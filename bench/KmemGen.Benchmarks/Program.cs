using BenchmarkDotNet.Running;
using KmemGen.Benchmarks.Memory;
using KmemGen.Benchmarks.Reports;

// dotnet run -c Release --project bench/KmemGen.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/KmemGen.Benchmarks -- --memory   (resident memory; --memory --help for options)
// dotnet run -c Release --project bench/KmemGen.Benchmarks -- --summarize BenchmarkDotNet.Artifacts/results   (workload tables)
if (args.Length > 0 && args[0] == MemoryMode.Flag) return MemoryMode.Run(args);
if (args.Length > 0 && args[0] == MemoryMode.ProbeFlag) return MemoryMode.RunProbe(args);
if (args.Length > 0 && args[0] == WorkloadReport.Flag) return WorkloadReport.Run(args);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
