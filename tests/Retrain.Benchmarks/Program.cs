using Retrain.Benchmarks;
using static Retrain.Benchmarks.Stats;

// Speed benchmark: see scripts/bench.sh and docs/performance.md. Every figure is the median of --runs runs.
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
if (o.Scale > 0)
{
    ScaleBench.Run(o);
    Console.WriteLine($"process peak_rss_mb={F(MachineState.PeakRssMegabytes())} load_avg={MachineState.LoadAverage()}");
    return 0;
}

if (o.HeadsScale > 0)
{
    HeadsBench.Scale(o.HeadsScale, o.HeadsScaleIterations, o.HeadsScaleGrid);
}

if (o.Heads)
{
    HeadsBench.Run(o, Dataset.Load(o.ImageDir));
}

if (o.Heads || o.HeadsScale > 0)
{
    Console.WriteLine($"process peak_rss_mb={F(MachineState.PeakRssMegabytes())} load_avg={MachineState.LoadAverage()}");
    return 0;
}

var data = Dataset.Load(o.ImageDir);
foreach (var spec in BenchModel.All.Where(m => o.Models.Contains(m.Name)))
{
    new ModelBench(spec, o, data).Run();
}

Console.WriteLine($"process peak_rss_mb={F(MachineState.PeakRssMegabytes())} load_avg={MachineState.LoadAverage()}");
return 0;
