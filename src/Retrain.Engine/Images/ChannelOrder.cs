namespace Retrain.Images;

/// <summary>The order of the colour channels a model expects: RGB as decoded, or BGR (Caffe and CNTK models).</summary>
public enum ChannelOrder
{
    Rgb,
    Bgr,
}
