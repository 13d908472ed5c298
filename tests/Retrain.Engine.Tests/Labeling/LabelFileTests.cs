using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Labeling;

public sealed class LabelFileTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>
    /// As label_image.py's load_labels: each line loses its trailing whitespace (retrain.py writes 'daisy ' for a
    /// folder named 'daisy_'), an `index:` prefix goes, and the final line break adds no label.
    /// </summary>
    [Fact]
    public void Labels_LoseTrailingSpacesAndIndexPrefixes()
    {
        var path = _work.File("labels.txt", "daisy \nroses\t\r\n2:tulips  \nsun flowers\n");

        Assert.Equal(["daisy", "roses", "tulips", "sun flowers"], LabelFile.Read(path, 4));
    }
}
