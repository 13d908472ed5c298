using Google.Protobuf;
using Retrain.Graphs;
using Retrain.Protos.TensorFlow;
using Xunit;

namespace Retrain.Tests.Graphs;

public class TensorProtosTests
{
    [Fact]
    public void FromFloats_ToFloats_RoundTripsThroughLittleEndianContent()
    {
        var proto = TensorProtos.FromFloats([1.5f, -2f, 3.25f, 0f, 1e-7f, 6f], 2, 3);

        Assert.Equal(DataType.DtFloat, proto.Dtype);
        Assert.Equal(24, proto.TensorContent.Length);
        Assert.Equal(new byte[] { 0, 0, 0xC0, 0x3F }, proto.TensorContent.Span[..4].ToArray()); // 1.5f little-endian
        Assert.Equal([2L, 3L], TensorProtos.Shape(proto));
        Assert.Equal([1.5f, -2f, 3.25f, 0f, 1e-7f, 6f], TensorProtos.ToFloats(proto));
    }

    [Fact]
    public void ToFloats_OneFloatVal_IsBroadcastToTheWholeShape()
    {
        var proto = Tensor(DataType.DtFloat, 2, 3);
        proto.FloatVal.Add(0.5f);
        Assert.Equal(Enumerable.Repeat(0.5f, 6), TensorProtos.ToFloats(proto));
    }

    [Fact]
    public void ToFloats_FewerValuesThanTheShape_RepeatsTheLast()
    {
        var proto = Tensor(DataType.DtFloat, 4);
        proto.FloatVal.Add([1f, 2f]);
        Assert.Equal([1f, 2f, 2f, 2f], TensorProtos.ToFloats(proto));
    }

    [Fact]
    public void ToFloats_ScalarFloatVal_IsOneValue()
    {
        var proto = Tensor(DataType.DtFloat);
        proto.FloatVal.Add(0.001f);
        Assert.Equal([0.001f], TensorProtos.ToFloats(proto));
        Assert.Empty(TensorProtos.Shape(proto));
    }

    [Fact]
    public void ToInts_ReadsIntValAndTensorContent()
    {
        var listed = Tensor(DataType.DtInt32, 2);
        listed.IntVal.Add([-1, 1001]);
        Assert.Equal([-1, 1001], TensorProtos.ToInts(listed));

        var packed = Tensor(DataType.DtInt32, 2);
        packed.TensorContent = ByteString.CopyFrom(1, 0, 0, 0, 2, 0, 0, 0);
        Assert.Equal([1, 2], TensorProtos.ToInts(packed));

        var wide = Tensor(DataType.DtInt64, 1);
        wide.Int64Val.Add(7);
        Assert.Equal([7], TensorProtos.ToInts(wide));
    }

    [Fact]
    public void ToFloats_ContentOfTheWrongLength_Throws()
    {
        var proto = Tensor(DataType.DtFloat, 3);
        proto.TensorContent = ByteString.CopyFrom(new byte[8]);
        Assert.Throws<FormatException>(() => TensorProtos.ToFloats(proto));
    }

    [Fact]
    public void FromFloats_ShapeNotMatchingTheValues_Throws() =>
        Assert.Throws<ArgumentException>(() => TensorProtos.FromFloats([1f, 2f, 3f], 2, 2));

    private static TensorProto Tensor(DataType type, params long[] shape) =>
        new() { Dtype = type, TensorShape = TensorProtos.ShapeProto(shape) };
}
