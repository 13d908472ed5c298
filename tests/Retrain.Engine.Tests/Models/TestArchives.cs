using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Retrain.Tests.Models;

/// <summary>Builds small .tgz archives in memory, laid out like the published model archives.</summary>
public static class TestArchives
{
    /// <summary>Stand-in bytes for a frozen graph: the download layer never parses them.</summary>
    public static byte[] FakeGraph(string tag) => Encoding.UTF8.GetBytes($"not really a GraphDef: {tag}\n");

    public static byte[] Tgz(params (string Name, byte[] Content)[] files) =>
        Build(files.Select(f => Entry(f.Name, f.Content)).ToArray());

    public static byte[] Build(params TarEntry[] entries)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                tar.WriteEntry(entry);
            }
        }

        return memory.ToArray();
    }

    public static TarEntry Entry(string name, byte[] content) =>
        new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) };

    /// <summary>mobilenet_v1_1.0_224_frozen.tgz as published: a folder with the float and quantized graphs and labels.</summary>
    public static byte[] MobileNet(string version, int size, string tag = "v1") => Tgz(
        ($"mobilenet_v1_{version}_{size}/frozen_graph.pb", FakeGraph(tag)),
        ($"mobilenet_v1_{version}_{size}/quantized_graph.pb", FakeGraph(tag + "-q")),
        ($"mobilenet_v1_{version}_{size}/labels.txt", Encoding.UTF8.GetBytes("background\ntench\n")));
}
