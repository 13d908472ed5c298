using Retrain.Benchmarks;
using static Retrain.Benchmarks.Stats;

// Speed benchmark: see scripts/bench.sh and the README's "Speed" section. Every figure is the median of --runs runs.
BenchOptions o;
try
{
    o = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var cores = Environment.ProcessorCount;
Console.WriteLine($"machine cores={cores} cpu=\"{MachineState.CpuModel()}\" date={DateTime.UtcNow:yyyy-MM-dd} runs={o.Runs} load_avg={MachineState.LoadAverage()}");
var peaks = Enumerable.Range(0, Math.Max(3, o.Runs)).Select(_ => CpuPeak.MeasureGflops(cores, 0.5)).ToList();
var peak = new CpuPeakFigures(Median([.. peaks.Select(p => p.Gflops)]), Median([.. peaks.Select(p => p.GflopsPerCpuSecond)]));
Console.WriteLine($"cpu peak_gflops={F(peak.Gflops)} peak_gflops_per_cpu_second={F(peak.GflopsPerCpuSecond)} isa={CpuPeak.Isa} threads={cores}");

var data = Dataset.Load(o.ImageDir);
foreach (var spec in BenchModel.All.Where(m => o.Models.Contains(m.Name)))
{
    new ModelBench(spec, o, data, peak).Run();
}

Console.WriteLine($"process peak_rss_mb={F(MachineState.PeakRssMegabytes())} load_avg={MachineState.LoadAverage()}");
return 0;
