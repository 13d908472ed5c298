namespace Retrain.Images;

/// <summary>Knobs of <see cref="ImageDecoder"/> and <see cref="ImageLoader"/>; <see cref="Default"/> is TF-faithful.</summary>
public sealed record ImageDecodeOptions
{
    /// <summary>100 megapixels: far above any training photo, far below what would exhaust memory (400 MB as RGBA).</summary>
    public const long DefaultMaxPixels = 100_000_000;

    public static ImageDecodeOptions Default { get; } = new();

    /// <summary>
    /// Rotate/flip by the EXIF Orientation tag (on by default, as image viewers show the photo). TensorFlow's
    /// <c>decode_jpeg</c>/<c>decode_image</c> ignore EXIF, so switch this off to reproduce a TF pipeline bit for bit
    /// on camera photos that carry an orientation other than 1.
    /// </summary>
    public bool ApplyExifOrientation { get; init; } = true;

    /// <summary>
    /// Images whose header declares more pixels than this are rejected before any pixel memory is allocated
    /// (a 60000x60000 header would otherwise ask for 14 GB).
    /// </summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>
    /// Opt-in speed-up for <see cref="ImageLoader"/>: JPEGs much larger than the network input are decoded at 1/2,
    /// 1/4 or 1/8 scale by libjpeg's DCT scaling (never below the target size). Off by default because it changes
    /// the tensor: TF1 <c>resize_bilinear</c> (align_corners=false) reads just 2x2 source pixels per output pixel,
    /// so it samples the full-resolution image, while a DCT-scaled decode averages 2x2..8x8 blocks first. The result
    /// is smoother (arguably better) but no longer what retrain.py computed.
    /// </summary>
    public bool ReducedScaleJpeg { get; init; }
}
