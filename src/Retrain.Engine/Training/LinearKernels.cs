using System.Numerics;
using System.Runtime.CompilerServices;

namespace Retrain.Training;

/// <summary>
/// The two hot loops of training, written for SIMD with <see cref="Vector{T}"/>: logits = X W^T + b and the weight
/// gradient G = E^T X, over a batch of rows of one row-major vector array with class-major weights.
/// <para>
/// Why hand-written rather than one <c>TensorPrimitives.Dot</c> per (row, class): with few classes the
/// per-call work is small and every call re-reads the row and a weight row from L2. Here classes are processed in
/// groups of up to five whose accumulators live in registers, so a row is loaded once per group; the logits kernel
/// also takes rows in pairs so each weight load serves two rows, and the gradient kernel sums over the whole batch in
/// registers before touching memory. Group sizes are type parameters (<see cref="IClassGroup"/>) so the JIT compiles
/// one branch-free loop per size.
/// </para>
/// <para>
/// Every (row, class) dot product and every gradient element is summed in a fixed order that does not depend on the
/// batch position or grouping, so results are bit-identical run to run on one machine; a CPU with another SIMD width
/// sums in another order and may differ in the last bits.
/// </para>
/// </summary>
internal static partial class LinearKernels
{
    /// <summary>The most classes one kernel pass keeps in registers (10 accumulators + operands fit 16 AVX registers).</summary>
    public const int MaxGroupSize = 5;

    /// <summary>
    /// logits[i, c] = vectors[rows[i]] · weightsByClass[c] + biases[c], for every row i of the batch (row-major
    /// rows.Length x classCount output).
    /// </summary>
    public static void Logits(
        ReadOnlySpan<float> vectors,
        int vectorLength,
        ReadOnlySpan<int> rows,
        ReadOnlySpan<float> weightsByClass,
        ReadOnlySpan<float> biases,
        Span<float> logits)
    {
        var classCount = biases.Length;
        CheckShapes(vectors, vectorLength, rows, weightsByClass, classCount, logits.Length);
        var groupCount = GroupCount(classCount);
        // Rows go in blocks, and each block meets every class group in turn: a group's weights (at most 5 rows of the
        // weight matrix) stay in L1 while the block's rows come from L2, where a whole-part batch over many classes
        // would otherwise stream the whole weight matrix from memory for every pair of rows. Every logit is still one
        // DotPair call on the same pair of rows, so the bits do not depend on the blocking.
        for (var blockStart = 0; blockStart < rows.Length; blockStart += LogitsRowBlock)
        {
            var blockEnd = Math.Min(rows.Length, blockStart + LogitsRowBlock);
            var start = 0;
            for (var group = 0; group < groupCount; group++)
            {
                var size = GroupSize(classCount, group);
                ref readonly var w = ref weightsByClass[start * vectorLength];
                for (var i = blockStart; i < blockEnd; i += 2)
                {
                    // An odd last row is paired with itself; its duplicate results are discarded.
                    var second = i + 1 < rows.Length ? i + 1 : i;
                    ref readonly var x0 = ref vectors[rows[i] * vectorLength];
                    ref readonly var x1 = ref vectors[rows[second] * vectorLength];
                    var o0 = logits.Slice((i * classCount) + start, size);
                    var o1 = logits.Slice((second * classCount) + start, size);
                    switch (size)
                    {
                        case 1: DotPair<G1>(in x0, in x1, in w, vectorLength, o0, o1); break;
                        case 2: DotPair<G2>(in x0, in x1, in w, vectorLength, o0, o1); break;
                        case 3: DotPair<G3>(in x0, in x1, in w, vectorLength, o0, o1); break;
                        case 4: DotPair<G4>(in x0, in x1, in w, vectorLength, o0, o1); break;
                        default: DotPair<G5>(in x0, in x1, in w, vectorLength, o0, o1); break;
                    }
                }

                start += size;
            }

            for (var i = blockStart; i < blockEnd; i++)
            {
                var output = logits.Slice(i * classCount, classCount);
                for (var c = 0; c < classCount; c++)
                {
                    output[c] += biases[c];
                }
            }
        }
    }

    /// <summary>Rows per block of the logits kernel (even, so pairs never straddle blocks): 16 rows of 2,048 floats are 128 KB.</summary>
    private const int LogitsRowBlock = 16;

    // Classes split into as few groups of at most MaxGroupSize as possible, the larger groups first and sizes within
    // one of each other (7 classes: 4 + 3), so no pass runs with mostly idle registers.
    private static int GroupCount(int classCount) => (classCount + MaxGroupSize - 1) / MaxGroupSize;

    private static int GroupSize(int classCount, int group)
    {
        var groupCount = GroupCount(classCount);
        return (classCount / groupCount) + (group < classCount % groupCount ? 1 : 0);
    }

    /// <summary>
    /// Throws unless every row indexes <paramref name="vectors"/> and the class-major and per-row buffers fit the batch:
    /// the kernels (and <see cref="SplitKernels"/>, which rebuilds spans from pointers) read with unchecked offsets.
    /// </summary>
    internal static void CheckShapes(
        ReadOnlySpan<float> vectors,
        int vectorLength,
        ReadOnlySpan<int> rows,
        ReadOnlySpan<float> classMajor,
        int classCount,
        int perRowLength)
    {
        // The kernels read with unchecked offsets, so every index they can form is checked here once.
        var rowCount = vectors.Length / vectorLength;
        foreach (var row in rows)
        {
            if ((uint)row >= (uint)rowCount)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), row, $"Row index outside 0..{rowCount - 1}.");
            }
        }

        if (classMajor.Length != classCount * vectorLength || perRowLength < rows.Length * classCount)
        {
            throw new ArgumentException("Kernel buffers do not match the batch and class counts.");
        }
    }

    /// <summary>Throws unless the columns [first, end) lie inside a vector of <paramref name="vectorLength"/> values.</summary>
    internal static void CheckColumns(int firstColumn, int endColumn, int vectorLength)
    {
        if (firstColumn < 0 || endColumn > vectorLength || firstColumn > endColumn)
        {
            throw new ArgumentOutOfRangeException(nameof(firstColumn), $"Columns [{firstColumn}, {endColumn}) are not inside 0..{vectorLength}.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotPair<TGroup>(
        ref readonly float x0,
        ref readonly float x1,
        ref readonly float w,
        int length,
        Span<float> out0,
        Span<float> out1)
        where TGroup : struct, IClassGroup
    {
        var size = TGroup.Size;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default;
        Vector<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default;
        var step = Vector<float>.Count;
        var k = 0;
        for (; k <= length - step; k += step)
        {
            var v0 = Vector.LoadUnsafe(in x0, (nuint)k);
            var v1 = Vector.LoadUnsafe(in x1, (nuint)k);
            var wc = Vector.LoadUnsafe(in w, (nuint)k);
            a0 = Vector.FusedMultiplyAdd(v0, wc, a0);
            b0 = Vector.FusedMultiplyAdd(v1, wc, b0);
            if (size > 1)
            {
                wc = Vector.LoadUnsafe(in w, (nuint)(length + k));
                a1 = Vector.FusedMultiplyAdd(v0, wc, a1);
                b1 = Vector.FusedMultiplyAdd(v1, wc, b1);
            }

            if (size > 2)
            {
                wc = Vector.LoadUnsafe(in w, (nuint)((2 * length) + k));
                a2 = Vector.FusedMultiplyAdd(v0, wc, a2);
                b2 = Vector.FusedMultiplyAdd(v1, wc, b2);
            }

            if (size > 3)
            {
                wc = Vector.LoadUnsafe(in w, (nuint)((3 * length) + k));
                a3 = Vector.FusedMultiplyAdd(v0, wc, a3);
                b3 = Vector.FusedMultiplyAdd(v1, wc, b3);
            }

            if (size > 4)
            {
                wc = Vector.LoadUnsafe(in w, (nuint)((4 * length) + k));
                a4 = Vector.FusedMultiplyAdd(v0, wc, a4);
                b4 = Vector.FusedMultiplyAdd(v1, wc, b4);
            }
        }

        ReadOnlySpan<Vector<float>> sums0 = [a0, a1, a2, a3, a4];
        ReadOnlySpan<Vector<float>> sums1 = [b0, b1, b2, b3, b4];
        for (var c = 0; c < size; c++)
        {
            ref readonly var wRow = ref Unsafe.Add(ref Unsafe.AsRef(in w), c * length);
            out0[c] = Vector.Sum(sums0[c]) + TailDot(in x0, in wRow, k, length);
            out1[c] = Vector.Sum(sums1[c]) + TailDot(in x1, in wRow, k, length);
        }
    }

    private static float TailDot(ref readonly float x, ref readonly float w, int from, int length)
    {
        var sum = 0f;
        for (var k = from; k < length; k++)
        {
            sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref Unsafe.AsRef(in x), k), Unsafe.Add(ref Unsafe.AsRef(in w), k), sum);
        }

        return sum;
    }

    /// <summary>A compile-time class-group size: the JIT specialises each kernel per size and drops the unused lanes.</summary>
    private interface IClassGroup
    {
        static abstract int Size { get; }
    }

    private readonly struct G1 : IClassGroup
    {
        public static int Size => 1;
    }

    private readonly struct G2 : IClassGroup
    {
        public static int Size => 2;
    }

    private readonly struct G3 : IClassGroup
    {
        public static int Size => 3;
    }

    private readonly struct G4 : IClassGroup
    {
        public static int Size => 4;
    }

    private readonly struct G5 : IClassGroup
    {
        public static int Size => 5;
    }
}
