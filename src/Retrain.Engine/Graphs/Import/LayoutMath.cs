namespace Retrain.Graphs.Import;

/// <summary>Index arithmetic between TensorFlow's NHWC order and ONNX's NCHW order.</summary>
internal static class LayoutMath
{
    /// <summary>NHWC -> NCHW: physical dim i holds logical dim ToChannelsFirstPerm[i].</summary>
    public static readonly int[] ToChannelsFirstPerm = [0, 3, 1, 2];

    /// <summary>NCHW -> NHWC.</summary>
    public static readonly int[] ToChannelsLastPerm = [0, 2, 3, 1];

    public static long[] ToChannelsFirst(long[] nhwc) => [nhwc[0], nhwc[3], nhwc[1], nhwc[2]];

    /// <summary>Where logical (NHWC) axis <paramref name="axis"/> lives in NCHW memory.</summary>
    public static int PhysicalAxis(int axis) => axis switch
    {
        0 => 0,
        1 => 2,
        2 => 3,
        _ => 1,
    };

    /// <summary>
    /// True when a channels-first value has the same memory order as its NHWC form: the dimensions that are not 1
    /// come in the same order either way (e.g. [N,1,1,C] after a global pool), so Reshape/Squeeze can read it as is.
    /// </summary>
    public static bool SameMemoryOrder(long[] nhwc)
    {
        var logical = new List<int>();
        var physical = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            if (nhwc[i] != 1)
            {
                logical.Add(i);
            }

            var p = ToChannelsFirstPerm[i];
            if (nhwc[p] != 1)
            {
                physical.Add(p);
            }
        }

        return logical.SequenceEqual(physical);
    }
}
