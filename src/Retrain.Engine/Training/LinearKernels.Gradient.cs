using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Retrain.Training;

/// <summary>The weight-gradient kernel of <see cref="LinearKernels"/> (G = E^T X over a batch, by blocks of columns).</summary>
internal static partial class LinearKernels
{
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
        CheckColumns(firstColumn, endColumn, vectorLength);

        var groupCount = GroupCount(classCount);
        for (var c = 0; c < classCount; c++)
        {
            gradient.Slice((c * vectorLength) + firstColumn, endColumn - firstColumn).Clear();
        }

        for (int blockStart = firstColumn, blockEnd; blockStart < endColumn; blockStart = blockEnd)
        {
            // A last block of a few columns would cost a full pass over the batch: it joins the one before.
            blockEnd = endColumn - blockStart < GradientBlock + (GradientBlock / 4) ? endColumn : blockStart + GradientBlock;

            // Rows go in chunks, each chunk's block of columns meeting every class group while it is in L2: a
            // whole-part batch would otherwise stream every row from memory once per group. Each gradient element
            // still sums the rows in batch order, in the same pairs, so the bits do not depend on the chunking.
            for (var chunkStart = 0; chunkStart < rows.Length; chunkStart += GradientRowChunk)
            {
                var chunkEnd = Math.Min(rows.Length, chunkStart + GradientRowChunk);
                var start = 0;
                for (var group = 0; group < groupCount; group++)
                {
                    var size = GroupSize(classCount, group);
                    var g = gradient.Slice(start * vectorLength, size * vectorLength);
                    switch (size)
                    {
                        case 1: SumRows<G1>(vectors, vectorLength, rows, errors, classCount, start, g, blockStart, blockEnd, chunkStart, chunkEnd); break;
                        case 2: SumRows<G2>(vectors, vectorLength, rows, errors, classCount, start, g, blockStart, blockEnd, chunkStart, chunkEnd); break;
                        case 3: SumRows<G3>(vectors, vectorLength, rows, errors, classCount, start, g, blockStart, blockEnd, chunkStart, chunkEnd); break;
                        case 4: SumRows<G4>(vectors, vectorLength, rows, errors, classCount, start, g, blockStart, blockEnd, chunkStart, chunkEnd); break;
                        default: SumRows<G5>(vectors, vectorLength, rows, errors, classCount, start, g, blockStart, blockEnd, chunkStart, chunkEnd); break;
                    }

                    start += size;
                }
            }
        }
    }

    /// <summary>Batch rows per chunk of the gradient kernel (even, so pairs never straddle chunks): 128 rows of a 512-column block are 256 KB.</summary>
    private const int GradientRowChunk = 128;

    /// <summary>
    /// Columns per block of the gradient kernel: the group's block of the gradient (at most 5 x 640 floats, 12.5 KB)
    /// stays in L1 while every batch row streams through it.
    /// </summary>
    private const int GradientBlock = 512;

    // Adds rows [chunkStart, chunkEnd) of the batch, in pairs, to columns [blockStart, blockEnd) of the group's rows.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumRows<TGroup>(
        ReadOnlySpan<float> vectors,
        int length,
        ReadOnlySpan<int> rows,
        ReadOnlySpan<float> errors,
        int classCount,
        int firstClass,
        Span<float> gradient,
        int blockStart,
        int blockEnd,
        int chunkStart,
        int chunkEnd)
        where TGroup : struct, IClassGroup
    {
        ref var x = ref MemoryMarshal.GetReference(vectors);
        ref var e = ref Unsafe.Add(ref MemoryMarshal.GetReference(errors), firstClass);
        ref var g = ref MemoryMarshal.GetReference(gradient);
        var i = chunkStart;
        for (; i + 1 < chunkEnd; i += 2)
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

        if (i < chunkEnd)
        {
            AddRow<TGroup>(ref Unsafe.Add(ref x, rows[i] * length), ref Unsafe.Add(ref e, i * classCount), ref g, length, blockStart, blockEnd);
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
}
