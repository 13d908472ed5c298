using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
internal static class LinearKernels
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
        for (var i = 0; i < rows.Length; i += 2)
        {
            // An odd last row is paired with itself; its duplicate results are discarded.
            var second = i + 1 < rows.Length ? i + 1 : i;
            ref readonly var x0 = ref vectors[rows[i] * vectorLength];
            ref readonly var x1 = ref vectors[rows[second] * vectorLength];
            var out0 = logits.Slice(i * classCount, classCount);
            var out1 = logits.Slice(second * classCount, classCount);
            var groupCount = GroupCount(classCount);
            var start = 0;
            for (var group = 0; group < groupCount; group++)
            {
                var size = GroupSize(classCount, group);
                ref readonly var w = ref weightsByClass[start * vectorLength];
                var o0 = out0.Slice(start, size);
                var o1 = out1.Slice(start, size);
                switch (size)
                {
                    case 1: DotPair<G1>(in x0, in x1, in w, vectorLength, o0, o1); break;
                    case 2: DotPair<G2>(in x0, in x1, in w, vectorLength, o0, o1); break;
                    case 3: DotPair<G3>(in x0, in x1, in w, vectorLength, o0, o1); break;
                    case 4: DotPair<G4>(in x0, in x1, in w, vectorLength, o0, o1); break;
                    default: DotPair<G5>(in x0, in x1, in w, vectorLength, o0, o1); break;
                }

                start += size;
            }

            for (var c = 0; c < classCount; c++)
            {
                out0[c] += biases[c];
                if (second != i)
                {
                    out1[c] += biases[c];
                }
            }
        }
    }

    /// <summary>
    /// gradient[c] = Σ_i errors[i, c] · vectors[rows[i]] (class-major classCount x vectorLength output, overwritten),
    /// summed over the batch in batch order.
    /// </summary>
    public static void WeightGradient(
        ReadOnlySpan<float> vectors,
        int vectorLength,
        ReadOnlySpan<int> rows,
        ReadOnlySpan<float> errors,
        int classCount,
        Span<float> gradient) =>
        WeightGradient(vectors, vectorLength, rows, errors, classCount, gradient, 0, vectorLength);

    /// <summary>
    /// As above for the columns [<paramref name="firstColumn"/>, <paramref name="endColumn"/>) of every class's
    /// gradient row only; the others are left as they are. Each element is computed exactly as the whole call would
    /// compute it, so disjoint column ranges can run on different threads and give the same bits.
    /// </summary>
    public static void WeightGradient(
        ReadOnlySpan<float> vectors,
        int vectorLength,
        ReadOnlySpan<int> rows,
        ReadOnlySpan<float> errors,
        int classCount,
        Span<float> gradient,
        int firstColumn,
        int endColumn)
    {
        CheckShapes(vectors, vectorLength, rows, gradient, classCount, errors.Length);
        if (firstColumn < 0 || endColumn > vectorLength || firstColumn > endColumn)
        {
            throw new ArgumentOutOfRangeException(nameof(firstColumn), $"Columns [{firstColumn}, {endColumn}) are not inside 0..{vectorLength}.");
        }

        var groupCount = GroupCount(classCount);
        var start = 0;
        for (var group = 0; group < groupCount; group++)
        {
            var size = GroupSize(classCount, group);
            var g = gradient.Slice(start * vectorLength, size * vectorLength);
            switch (size)
            {
                case 1: SumRows<G1>(vectors, vectorLength, rows, errors, classCount, start, g, firstColumn, endColumn); break;
                case 2: SumRows<G2>(vectors, vectorLength, rows, errors, classCount, start, g, firstColumn, endColumn); break;
                case 3: SumRows<G3>(vectors, vectorLength, rows, errors, classCount, start, g, firstColumn, endColumn); break;
                case 4: SumRows<G4>(vectors, vectorLength, rows, errors, classCount, start, g, firstColumn, endColumn); break;
                default: SumRows<G5>(vectors, vectorLength, rows, errors, classCount, start, g, firstColumn, endColumn); break;
            }

            start += size;
        }
    }

    // Classes split into as few groups of at most MaxGroupSize as possible, the larger groups first and sizes within
    // one of each other (7 classes: 4 + 3), so no pass runs with mostly idle registers.
    private static int GroupCount(int classCount) => (classCount + MaxGroupSize - 1) / MaxGroupSize;

    private static int GroupSize(int classCount, int group)
    {
        var groupCount = GroupCount(classCount);
        return (classCount / groupCount) + (group < classCount % groupCount ? 1 : 0);
    }

    private static void CheckShapes(
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

    /// <summary>
    /// Columns per block of the gradient kernel: the group's block of the gradient (at most 5 x 640 floats, 12.5 KB)
    /// stays in L1 while every batch row streams through it.
    /// </summary>
    private const int GradientBlock = 512;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumRows<TGroup>(
        ReadOnlySpan<float> vectors,
        int length,
        ReadOnlySpan<int> rows,
        ReadOnlySpan<float> errors,
        int classCount,
        int firstClass,
        Span<float> gradient,
        int firstColumn,
        int endColumn)
        where TGroup : struct, IClassGroup
    {
        for (var c = 0; c < TGroup.Size; c++)
        {
            gradient.Slice((c * length) + firstColumn, endColumn - firstColumn).Clear();
        }

        ref var x = ref MemoryMarshal.GetReference(vectors);
        ref var e = ref Unsafe.Add(ref MemoryMarshal.GetReference(errors), firstClass);
        ref var g = ref MemoryMarshal.GetReference(gradient);
        for (int blockStart = firstColumn, blockEnd; blockStart < endColumn; blockStart = blockEnd)
        {
            // A last block of a few columns would cost a full pass over the batch: it joins the one before.
            blockEnd = endColumn - blockStart < GradientBlock + (GradientBlock / 4) ? endColumn : blockStart + GradientBlock;
            var i = 0;
            for (; i + 1 < rows.Length; i += 2)
            {
                AddRowPair<TGroup>(
                    ref Unsafe.Add(ref x, rows[i] * length),
                    ref Unsafe.Add(ref x, rows[i + 1] * length),
                    ref Unsafe.Add(ref e, i * classCount),
                    ref Unsafe.Add(ref e, (i + 1) * classCount),
                    ref g,
                    length,
                    blockStart,
                    blockEnd);
            }

            if (i < rows.Length)
            {
                AddRow<TGroup>(ref Unsafe.Add(ref x, rows[i] * length), ref Unsafe.Add(ref e, i * classCount), ref g, length, blockStart, blockEnd);
            }
        }
    }

    // gradient[c, k] += e0[c] x0[k] + e1[c] x1[k] (in that order) for k in [from, to): two rows per pass so each
    // load and store of the gradient serves two multiply-adds.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRowPair<TGroup>(
        ref float x0,
        ref float x1,
        ref float e0,
        ref float e1,
        ref float g,
        int length,
        int from,
        int to)
        where TGroup : struct, IClassGroup
    {
        var size = TGroup.Size;
        var p0 = new Vector<float>(e0);
        var q0 = new Vector<float>(e1);
        var p1 = size > 1 ? new Vector<float>(Unsafe.Add(ref e0, 1)) : default;
        var q1 = size > 1 ? new Vector<float>(Unsafe.Add(ref e1, 1)) : default;
        var p2 = size > 2 ? new Vector<float>(Unsafe.Add(ref e0, 2)) : default;
        var q2 = size > 2 ? new Vector<float>(Unsafe.Add(ref e1, 2)) : default;
        var p3 = size > 3 ? new Vector<float>(Unsafe.Add(ref e0, 3)) : default;
        var q3 = size > 3 ? new Vector<float>(Unsafe.Add(ref e1, 3)) : default;
        var p4 = size > 4 ? new Vector<float>(Unsafe.Add(ref e0, 4)) : default;
        var q4 = size > 4 ? new Vector<float>(Unsafe.Add(ref e1, 4)) : default;
        var step = Vector<float>.Count;
        var k = from;
        for (; k <= to - step; k += step)
        {
            var v0 = Vector.LoadUnsafe(ref x0, (nuint)k);
            var v1 = Vector.LoadUnsafe(ref x1, (nuint)k);
            ref var gc = ref Unsafe.Add(ref g, k);
            Vector.FusedMultiplyAdd(v1, q0, Vector.FusedMultiplyAdd(v0, p0, Vector.LoadUnsafe(ref gc))).StoreUnsafe(ref gc);
            if (size > 1)
            {
                gc = ref Unsafe.Add(ref gc, length);
                Vector.FusedMultiplyAdd(v1, q1, Vector.FusedMultiplyAdd(v0, p1, Vector.LoadUnsafe(ref gc))).StoreUnsafe(ref gc);
            }

            if (size > 2)
            {
                gc = ref Unsafe.Add(ref gc, length);
                Vector.FusedMultiplyAdd(v1, q2, Vector.FusedMultiplyAdd(v0, p2, Vector.LoadUnsafe(ref gc))).StoreUnsafe(ref gc);
            }

            if (size > 3)
            {
                gc = ref Unsafe.Add(ref gc, length);
                Vector.FusedMultiplyAdd(v1, q3, Vector.FusedMultiplyAdd(v0, p3, Vector.LoadUnsafe(ref gc))).StoreUnsafe(ref gc);
            }

            if (size > 4)
            {
                gc = ref Unsafe.Add(ref gc, length);
                Vector.FusedMultiplyAdd(v1, q4, Vector.FusedMultiplyAdd(v0, p4, Vector.LoadUnsafe(ref gc))).StoreUnsafe(ref gc);
            }
        }

        for (; k < to; k++)
        {
            for (var c = 0; c < size; c++)
            {
                ref var gk = ref Unsafe.Add(ref g, (c * length) + k);
                gk = MathF.FusedMultiplyAdd(
                    Unsafe.Add(ref x1, k), Unsafe.Add(ref e1, c), MathF.FusedMultiplyAdd(Unsafe.Add(ref x0, k), Unsafe.Add(ref e0, c), gk));
            }
        }
    }

    // The single-row form of AddRowPair, for an odd batch's last row.
    private static void AddRow<TGroup>(ref float x0, ref float e0, ref float g, int length, int from, int to)
        where TGroup : struct, IClassGroup
    {
        var step = Vector<float>.Count;
        for (var c = 0; c < TGroup.Size; c++)
        {
            var p = new Vector<float>(Unsafe.Add(ref e0, c));
            ref var gRow = ref Unsafe.Add(ref g, c * length);
            var k = from;
            for (; k <= to - step; k += step)
            {
                ref var gc = ref Unsafe.Add(ref gRow, k);
                Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x0, (nuint)k), p, Vector.LoadUnsafe(ref gc)).StoreUnsafe(ref gc);
            }

            for (; k < to; k++)
            {
                ref var gk = ref Unsafe.Add(ref gRow, k);
                gk = MathF.FusedMultiplyAdd(Unsafe.Add(ref x0, k), Unsafe.Add(ref e0, c), gk);
            }
        }
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
