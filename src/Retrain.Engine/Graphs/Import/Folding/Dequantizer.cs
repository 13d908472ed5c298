using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import.Folding;

/// <summary>
/// TensorFlow's Dequantize op (tensorflow/core/kernels/dequantize_op.cc) on a constant, for the per-tensor modes.
/// Quantized MobileNet graphs store weights as quint8 Const + min/max Consts feeding Dequantize(mode=MIN_FIRST).
/// </summary>
internal static class Dequantizer
{
    public static float[] Dequantize(long[] quantized, DataType type, float min, float max, string mode, bool narrowRange)
    {
        var (lowest, highest) = Range(type);
        return mode switch
        {
            "MIN_FIRST" => MinFirst(quantized, lowest, highest, min, max),
            "MIN_COMBINED" => MinCombined(quantized, lowest, highest, min, max),
            "SCALED" => Scaled(quantized, lowest, highest, min, max, narrowRange),
            _ => throw new NotSupportedException($"Dequantize mode '{mode}' (supported: MIN_FIRST, MIN_COMBINED, SCALED)"),
        };
    }

    public static bool IsQuantized(DataType type) =>
        type is DataType.DtQuint8 or DataType.DtQint8 or DataType.DtQuint16 or DataType.DtQint16 or DataType.DtQint32;

    /// <summary>
    /// MIN_FIRST as TF's CPU kernel computes it (QuantizedToFloatStruct + DEQUANTIZE_WITH_EIGEN in
    /// quantization_utils.h), all in float: step = (max-min)/(2^bits - 1); range_min is first rounded to a whole number
    /// of steps, min' = round(min/step)*step (round half away from zero, like std::round); then
    /// value = (min' - lowest*step) + q*step. Skipping the rounding shifts every weight by up to half a step, which is
    /// enough to make the 0.50 quantized MobileNet mislabel images.
    /// </summary>
    private static float[] MinFirst(long[] quantized, long lowest, long highest, float min, float max)
    {
        var result = new float[quantized.Length];
        if (min == max)
        {
            Array.Fill(result, min);
            return result;
        }

        var steps = (double)(highest - lowest);
        var step = (float)((max - min) / steps);
        var minRounded = (float)Math.Round(min / step, MidpointRounding.AwayFromZero) * step;
        var offset = minRounded - (lowest * step);
        for (var i = 0; i < quantized.Length; i++)
        {
            result[i] = offset + (quantized[i] * step);
        }

        return result;
    }

    /// <summary>MIN_COMBINED: value = (q + half_range) * (max-min)/range(T) + min, half_range = 128 for signed 8-bit.</summary>
    private static float[] MinCombined(long[] quantized, long lowest, long highest, float min, float max)
    {
        var halfRange = lowest < 0 ? ((float)highest - lowest + 1) / 2.0f : 0.0f;
        var scale = (max - min) / ((float)highest - lowest);
        var result = new float[quantized.Length];
        for (var i = 0; i < quantized.Length; i++)
        {
            result[i] = ((quantized[i] + halfRange) * scale) + min;
        }

        return result;
    }

    /// <summary>SCALED: value = q * scale, scale = max/highest for unsigned types, else the larger of min/lowest' and max/highest.</summary>
    private static float[] Scaled(long[] quantized, long lowest, long highest, float min, float max, bool narrowRange)
    {
        var lowestUsed = lowest + (narrowRange ? 1 : 0);
        var scale = lowest == 0 ? max / highest : Math.Max(min / lowestUsed, max / highest);
        var result = new float[quantized.Length];
        for (var i = 0; i < quantized.Length; i++)
        {
            result[i] = quantized[i] * scale;
        }

        return result;
    }

    private static (long Lowest, long Highest) Range(DataType type) => type switch
    {
        DataType.DtQuint8 => (byte.MinValue, byte.MaxValue),
        DataType.DtQint8 => (sbyte.MinValue, sbyte.MaxValue),
        DataType.DtQuint16 => (ushort.MinValue, ushort.MaxValue),
        DataType.DtQint16 => (short.MinValue, short.MaxValue),
        DataType.DtQint32 => (int.MinValue, int.MaxValue),
        _ => throw new NotSupportedException($"Dequantize input of type {type} (expected a quantized type such as quint8)"),
    };
}
