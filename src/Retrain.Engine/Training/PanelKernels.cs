using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Retrain.Training;

/// <summary>
/// The two products of <see cref="LinearKernels"/> for whole-part batches (L-BFGS's passes over every training vector),
/// register-blocked as a GEMM micro-kernel is: each output element lives in one SIMD lane for a whole block of the
/// reduction, so a tile of 12 accumulators needs only 7 or 8 loads per 12 multiply-adds, and nothing is stored until
/// the block ends.
/// <list type="bullet">
/// <item>Logits: the weights are first packed class-minor (<see cref="PackWeights"/>), so a lane is a class; one x
/// value per row is broadcast and meets a tile of up to 24 classes (4 rows x 3 vectors).</item>
/// <item>Weight gradient: a lane is a column of the vectors; one error per (row, class) is broadcast and meets a tile
/// of 16 columns (6 classes x 2 vectors).</item>
/// </list>
/// <para>
/// Every logit is one fused multiply-add chain over the vector's values in order, from 0, then the bias; every gradient
/// element is, for each chunk of <see cref="GradientRowChunk"/> batch rows in batch order, a chain over the chunk's rows
/// from 0 added to the element. Neither depends on the tiling, on the SIMD width (a lane's chain is the scalar chain),
/// or on how the work is split between threads, so results are bit-identical run to run. They differ from
/// <see cref="LinearKernels"/>' in the last bits (another summation order), which is why only lbfgs uses them.
/// </para>
/// </summary>
internal static class PanelKernels
{
    /// <summary>Rows of the logits tile (each a broadcast per step).</summary>
    private const int LogitsRows = 4;

    /// <summary>SIMD vectors of classes in the widest logits tile.</summary>
    private const int LogitsVectors = 3;

    /// <summary>Rows whose logits are accumulated together: their x values stay in L1 while every class tile meets them.</summary>
    private const int LogitsRowBlock = 32;

    /// <summary>Values of the vector per reduction block: a 24-class panel of 256 steps is 24 KB, 32 rows of it 32 KB.</summary>
    private const int LogitsDepthBlock = 256;

    /// <summary>Classes in the widest gradient tile (each a broadcast per row).</summary>
    private const int GradientClasses = 6;

    /// <summary>SIMD vectors of columns in the gradient tile.</summary>
    private const int GradientVectors = 2;

    /// <summary>
    /// Batch rows summed in registers before they are added to the gradient: 256 rows of a 16-column tile are 16 KB
    /// and stay in L1 while every class group meets them. A chunk's partial sums also keep the rounding error of a
    /// long sum to about that of a 256-term one plus the chunks.
    /// </summary>
    public const int GradientRowChunk = 256;

    private static int Lanes => Vector<float>.Count;

    /// <summary>The floats <see cref="PackWeights"/> writes for this shape.</summary>
    public static int PackedLength(int classCount, int vectorLength) => ClassVectors(classCount) * Lanes * vectorLength;

    /// <summary>
    /// The class-major weights repacked for <see cref="Logits"/>: class tiles one after the other, each tile step by
    /// step (for value k, the tile's classes side by side, padded with zeros to whole SIMD vectors).
    /// </summary>
    public static void PackWeights(ReadOnlySpan<float> weightsByClass, int classCount, int vectorLength, Span<float> packed)
    {
        if (weightsByClass.Length != classCount * vectorLength || packed.Length < PackedLength(classCount, vectorLength))
        {
            throw new ArgumentException("Weight buffers do not match the class count and vector length.");
        }

        var vectors = ClassVectors(classCount);
        var tiles = TileCount(vectors, LogitsVectors);
        var firstVector = 0;
        for (var tile = 0; tile < tiles; tile++)
        {
            var width = TileSize(vectors, LogitsVectors, tile) * Lanes;
            var firstClass = firstVector * Lanes;
            var panel = packed.Slice(firstClass * vectorLength, width * vectorLength);
            panel.Clear();
            for (var c = firstClass; c < Math.Min(classCount, firstClass + width); c++)
            {
                var weights = weightsByClass.Slice(c * vectorLength, vectorLength);
                for (var k = 0; k < vectorLength; k++)
                {
                    panel[(k * width) + c - firstClass] = weights[k];
                }
            }

            firstVector += width / Lanes;
        }
    }

    /// <summary>
    /// logits[i, c] = vectors[rows[i]] · w_c + biases[c], for every row i of the batch, from weights packed by
    /// <see cref="PackWeights"/>.
    /// </summary>
    public static void Logits(
        ReadOnlySpan<float> vectors,
        int vectorLength,
        ReadOnlySpan<int> rows,
        ReadOnlySpan<float> packedWeights,
        ReadOnlySpan<float> biases,
        Span<float> logits)
    {
        var classCount = biases.Length;
        var classVectors = ClassVectors(classCount);
        var padded = classVectors * Lanes;
        if (packedWeights.Length < padded * vectorLength)
        {
            throw new ArgumentException("The packed weights do not match the class count and vector length.", nameof(packedWeights));
        }

        LinearKernels.CheckShapes(vectors, vectorLength, rows, packedWeights[..(classCount * vectorLength)], classCount, logits.Length);

        var tiles = TileCount(classVectors, LogitsVectors);
        var buffer = ArrayPool<float>.Shared.Rent(LogitsRowBlock * padded);
        try
        {
            ref var x = ref MemoryMarshal.GetReference(vectors);
            ref var w = ref MemoryMarshal.GetReference(packedWeights);
            ref var acc = ref MemoryMarshal.GetArrayDataReference(buffer);
            for (var blockStart = 0; blockStart < rows.Length; blockStart += LogitsRowBlock)
            {
                var blockRows = Math.Min(LogitsRowBlock, rows.Length - blockStart);
                buffer.AsSpan(0, blockRows * padded).Clear();
                for (var depthStart = 0; depthStart < vectorLength; depthStart += LogitsDepthBlock)
                {
                    var depth = Math.Min(LogitsDepthBlock, vectorLength - depthStart);
                    var firstVector = 0;
                    for (var tile = 0; tile < tiles; tile++)
                    {
                        var size = TileSize(classVectors, LogitsVectors, tile);
                        var firstClass = firstVector * Lanes;
                        ref var panel = ref Unsafe.Add(ref w, (firstClass * vectorLength) + (depthStart * size * Lanes));
                        for (var r = 0; r < blockRows; r += LogitsRows)
                        {
                            var tileRows = Math.Min(LogitsRows, blockRows - r);
                            var i = blockStart + r;
                            ref var x0 = ref Unsafe.Add(ref x, (rows[i] * vectorLength) + depthStart);
                            ref var x1 = ref tileRows > 1 ? ref Unsafe.Add(ref x, (rows[i + 1] * vectorLength) + depthStart) : ref x0;
                            ref var x2 = ref tileRows > 2 ? ref Unsafe.Add(ref x, (rows[i + 2] * vectorLength) + depthStart) : ref x0;
                            ref var x3 = ref tileRows > 3 ? ref Unsafe.Add(ref x, (rows[i + 3] * vectorLength) + depthStart) : ref x0;
                            ref var a = ref Unsafe.Add(ref acc, (r * padded) + firstClass);
                            switch ((tileRows * 4) + size)
                            {
                                case 5: LogitsTile<N1, N1>(ref x0, ref x1, ref x2, ref x3, ref panel, depth, ref a, padded); break;
                                case 6: LogitsTile<N1, N2>(ref x0, ref x1, ref x2, ref x3, ref panel, depth, ref a, padded); break;
                                case 7: LogitsTile<N1, N3>(ref x0, ref x1, ref x2, ref x3, ref panel, depth, ref a, padded); break;
                                case 9: LogitsTile<N2, N1>(ref x0, ref x1, ref x2, ref x3, ref panel, depth, ref a, padded); break;
                                case 10: LogitsTile<N2, N2>(ref x0, ref x1, ref x2, ref x3, ref panel, depth, ref a, padded); break;
                                case 11: LogitsTile<N2, N3>(ref x0, ref x1, ref x2, ref x3, ref panel, depth, ref a, padded); break;
                                case 13: LogitsTile<N3, N1>(ref x0, ref x1, ref x2, ref x3, ref panel, depth, ref a, padded); break;
                                case 14: LogitsTile<N3, N2>(ref x0, ref x1, ref x2, ref x3, ref panel, depth, ref a, padded); break;
                                case 15: LogitsTile<N3, N3>(ref x0, ref x1, ref x2, ref x3, ref panel, depth, ref a, padded); break;
                                case 17: LogitsTile<N4, N1>(ref x0, ref x1, ref x2, ref x3, ref panel, depth, ref a, padded); break;
                                case 18: LogitsTile<N4, N2>(ref x0, ref x1, ref x2, ref x3, ref panel, depth, ref a, padded); break;
                                default: LogitsTile<N4, N3>(ref x0, ref x1, ref x2, ref x3, ref panel, depth, ref a, padded); break;
                            }
                        }

                        firstVector += size;
                    }
                }

                for (var r = 0; r < blockRows; r++)
                {
                    var output = logits.Slice((blockStart + r) * classCount, classCount);
                    var sums = buffer.AsSpan(r * padded, classCount);
                    for (var c = 0; c < classCount; c++)
                    {
                        output[c] = sums[c] + biases[c];
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// gradient[c] = Σ_i errors[i, c] · vectors[rows[i]] (class-major output), for the columns
    /// [<paramref name="firstColumn"/>, <paramref name="endColumn"/>) only (overwritten; the others are left as they are).
    /// Each element is computed as the whole call computes it, so disjoint column ranges can run on different threads.
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
        LinearKernels.CheckShapes(vectors, vectorLength, rows, gradient, classCount, errors.Length);
        LinearKernels.CheckColumns(firstColumn, endColumn, vectorLength);

        for (var c = 0; c < classCount; c++)
        {
            gradient.Slice((c * vectorLength) + firstColumn, endColumn - firstColumn).Clear();
        }

        var groups = TileCount(classCount, GradientClasses);
        ref var x = ref MemoryMarshal.GetReference(vectors);
        ref var e = ref MemoryMarshal.GetReference(errors);
        ref var g = ref MemoryMarshal.GetReference(gradient);
        var vectorEnd = firstColumn + ((endColumn - firstColumn) / Lanes * Lanes);
        var groupErrors = ArrayPool<float>.Shared.Rent(GradientRowChunk * classCount);
        try
        {
            for (var chunkStart = 0; chunkStart < rows.Length; chunkStart += GradientRowChunk)
            {
                var chunk = rows.Slice(chunkStart, Math.Min(GradientRowChunk, rows.Length - chunkStart));
                ref var chunkErrors = ref Unsafe.Add(ref e, chunkStart * classCount);

                // Each class group's errors for the chunk, row by row side by side, so a tile reads them as one stream.
                var firstOfGroup = 0;
                for (var group = 0; group < groups; group++)
                {
                    var classes = TileSize(classCount, GradientClasses, group);
                    var packedGroup = groupErrors.AsSpan(chunk.Length * firstOfGroup, chunk.Length * classes);
                    for (var i = 0; i < chunk.Length; i++)
                    {
                        errors.Slice(((chunkStart + i) * classCount) + firstOfGroup, classes).CopyTo(packedGroup.Slice(i * classes, classes));
                    }

                    firstOfGroup += classes;
                }

                for (var column = firstColumn; column < vectorEnd;)
                {
                    var size = Math.Min(GradientVectors, (vectorEnd - column) / Lanes);
                    ref var xColumn = ref Unsafe.Add(ref x, column);
                    var firstClass = 0;
                    for (var group = 0; group < groups; group++)
                    {
                        var classes = TileSize(classCount, GradientClasses, group);
                        ref var eGroup = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(groupErrors), chunk.Length * firstClass);
                        ref var gTile = ref Unsafe.Add(ref g, (firstClass * vectorLength) + column);
                        switch ((classes * 2) + size)
                        {
                            case 3: GradientTile<N1, N1>(ref xColumn, chunk, ref eGroup, ref gTile, vectorLength); break;
                            case 4: GradientTile<N1, N2>(ref xColumn, chunk, ref eGroup, ref gTile, vectorLength); break;
                            case 5: GradientTile<N2, N1>(ref xColumn, chunk, ref eGroup, ref gTile, vectorLength); break;
                            case 6: GradientTile<N2, N2>(ref xColumn, chunk, ref eGroup, ref gTile, vectorLength); break;
                            case 7: GradientTile<N3, N1>(ref xColumn, chunk, ref eGroup, ref gTile, vectorLength); break;
                            case 8: GradientTile<N3, N2>(ref xColumn, chunk, ref eGroup, ref gTile, vectorLength); break;
                            case 9: GradientTile<N4, N1>(ref xColumn, chunk, ref eGroup, ref gTile, vectorLength); break;
                            case 10: GradientTile<N4, N2>(ref xColumn, chunk, ref eGroup, ref gTile, vectorLength); break;
                            case 11: GradientTile<N5, N1>(ref xColumn, chunk, ref eGroup, ref gTile, vectorLength); break;
                            case 12: GradientTile<N5, N2>(ref xColumn, chunk, ref eGroup, ref gTile, vectorLength); break;
                            case 13: GradientTile<N6, N1>(ref xColumn, chunk, ref eGroup, ref gTile, vectorLength); break;
                            default: GradientTile<N6, N2>(ref xColumn, chunk, ref eGroup, ref gTile, vectorLength); break;
                        }

                        firstClass += classes;
                    }

                    column += size * Lanes;
                }

                // The columns short of a whole vector: the same chains, one lane at a time.
                for (var column = vectorEnd; column < endColumn; column++)
                {
                    for (var c = 0; c < classCount; c++)
                    {
                        var sum = 0f;
                        for (var i = 0; i < chunk.Length; i++)
                        {
                            sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref chunkErrors, (i * classCount) + c), Unsafe.Add(ref x, (chunk[i] * vectorLength) + column), sum);
                        }

                        Unsafe.Add(ref g, (c * vectorLength) + column) += sum;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(groupErrors);
        }
    }

    /// <summary>SIMD vectors that hold one row's classes.</summary>
    private static int ClassVectors(int classCount) => (classCount + Lanes - 1) / Lanes;

    // Items split into as few tiles of at most `widest` as possible, the larger first and sizes within one of each other
    // (13 vectors in tiles of 3: 3 + 3 + 3 + 2 + 2), so no tile runs with mostly idle registers.
    private static int TileCount(int items, int widest) => (items + widest - 1) / widest;

    private static int TileSize(int items, int widest, int tile)
    {
        var tiles = TileCount(items, widest);
        return (items / tiles) + (tile < items % tiles ? 1 : 0);
    }

    // acc[r, j] += Σ_k x_r[k] · panel[k, j] over `depth` steps, for TRows rows and TVectors vectors of classes.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LogitsTile<TRows, TVectors>(
        ref float x0,
        ref float x1,
        ref float x2,
        ref float x3,
        ref float panel,
        int depth,
        ref float acc,
        int accStride)
        where TRows : struct, ISize
        where TVectors : struct, ISize
    {
        var rowCount = TRows.Value;
        var vectorCount = TVectors.Value;
        var lanes = Vector<float>.Count;
        var width = vectorCount * lanes;
        ref var acc1 = ref Unsafe.Add(ref acc, accStride);
        ref var acc2 = ref Unsafe.Add(ref acc, 2 * accStride);
        ref var acc3 = ref Unsafe.Add(ref acc, 3 * accStride);
        var a00 = Vector.LoadUnsafe(ref acc);
        var a01 = vectorCount > 1 ? Vector.LoadUnsafe(ref acc, (nuint)lanes) : default;
        var a02 = vectorCount > 2 ? Vector.LoadUnsafe(ref acc, (nuint)(2 * lanes)) : default;
        var a10 = rowCount > 1 ? Vector.LoadUnsafe(ref acc1) : default;
        var a11 = rowCount > 1 && vectorCount > 1 ? Vector.LoadUnsafe(ref acc1, (nuint)lanes) : default;
        var a12 = rowCount > 1 && vectorCount > 2 ? Vector.LoadUnsafe(ref acc1, (nuint)(2 * lanes)) : default;
        var a20 = rowCount > 2 ? Vector.LoadUnsafe(ref acc2) : default;
        var a21 = rowCount > 2 && vectorCount > 1 ? Vector.LoadUnsafe(ref acc2, (nuint)lanes) : default;
        var a22 = rowCount > 2 && vectorCount > 2 ? Vector.LoadUnsafe(ref acc2, (nuint)(2 * lanes)) : default;
        var a30 = rowCount > 3 ? Vector.LoadUnsafe(ref acc3) : default;
        var a31 = rowCount > 3 && vectorCount > 1 ? Vector.LoadUnsafe(ref acc3, (nuint)lanes) : default;
        var a32 = rowCount > 3 && vectorCount > 2 ? Vector.LoadUnsafe(ref acc3, (nuint)(2 * lanes)) : default;
        ref var p = ref panel;
        for (var k = 0; k < depth; k++)
        {
            var w0 = Vector.LoadUnsafe(ref p);
            var w1 = vectorCount > 1 ? Vector.LoadUnsafe(ref p, (nuint)lanes) : default;
            var w2 = vectorCount > 2 ? Vector.LoadUnsafe(ref p, (nuint)(2 * lanes)) : default;
            p = ref Unsafe.Add(ref p, width);

            var b = new Vector<float>(Unsafe.Add(ref x0, k));
            a00 = Vector.FusedMultiplyAdd(b, w0, a00);
            if (vectorCount > 1)
            {
                a01 = Vector.FusedMultiplyAdd(b, w1, a01);
            }

            if (vectorCount > 2)
            {
                a02 = Vector.FusedMultiplyAdd(b, w2, a02);
            }

            if (rowCount > 1)
            {
                b = new Vector<float>(Unsafe.Add(ref x1, k));
                a10 = Vector.FusedMultiplyAdd(b, w0, a10);
                if (vectorCount > 1)
                {
                    a11 = Vector.FusedMultiplyAdd(b, w1, a11);
                }

                if (vectorCount > 2)
                {
                    a12 = Vector.FusedMultiplyAdd(b, w2, a12);
                }
            }

            if (rowCount > 2)
            {
                b = new Vector<float>(Unsafe.Add(ref x2, k));
                a20 = Vector.FusedMultiplyAdd(b, w0, a20);
                if (vectorCount > 1)
                {
                    a21 = Vector.FusedMultiplyAdd(b, w1, a21);
                }

                if (vectorCount > 2)
                {
                    a22 = Vector.FusedMultiplyAdd(b, w2, a22);
                }
            }

            if (rowCount > 3)
            {
                b = new Vector<float>(Unsafe.Add(ref x3, k));
                a30 = Vector.FusedMultiplyAdd(b, w0, a30);
                if (vectorCount > 1)
                {
                    a31 = Vector.FusedMultiplyAdd(b, w1, a31);
                }

                if (vectorCount > 2)
                {
                    a32 = Vector.FusedMultiplyAdd(b, w2, a32);
                }
            }
        }

        a00.StoreUnsafe(ref acc);
        if (vectorCount > 1)
        {
            a01.StoreUnsafe(ref acc, (nuint)lanes);
        }

        if (vectorCount > 2)
        {
            a02.StoreUnsafe(ref acc, (nuint)(2 * lanes));
        }

        if (rowCount > 1)
        {
            Store(ref acc1, a10, a11, a12, vectorCount, lanes);
        }

        if (rowCount > 2)
        {
            Store(ref acc2, a20, a21, a22, vectorCount, lanes);
        }

        if (rowCount > 3)
        {
            Store(ref acc3, a30, a31, a32, vectorCount, lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float destination, Vector<float> v0, Vector<float> v1, Vector<float> v2, int vectorCount, int lanes)
    {
        v0.StoreUnsafe(ref destination);
        if (vectorCount > 1)
        {
            v1.StoreUnsafe(ref destination, (nuint)lanes);
        }

        if (vectorCount > 2)
        {
            v2.StoreUnsafe(ref destination, (nuint)(2 * lanes));
        }
    }

    // gradient[m, j] += Σ_i errors[i, m] · x_{rows[i]}[j] over the chunk's rows, summed from 0 in registers, for
    // TClasses classes and TVectors vectors of columns.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientTile<TClasses, TVectors>(
        ref float xColumn,
        ReadOnlySpan<int> rows,
        ref float errors,
        ref float gradient,
        int vectorLength)
        where TClasses : struct, ISize
        where TVectors : struct, ISize
    {
        var classes = TClasses.Value;
        var two = TVectors.Value > 1;
        var lanes = Vector<float>.Count;
        Vector<float> a00 = default, a10 = default, a20 = default, a30 = default, a40 = default, a50 = default;
        Vector<float> a01 = default, a11 = default, a21 = default, a31 = default, a41 = default, a51 = default;
        ref var e = ref errors;
        for (var i = 0; i < rows.Length; i++)
        {
            ref var xr = ref Unsafe.Add(ref xColumn, rows[i] * vectorLength);
            var v0 = Vector.LoadUnsafe(ref xr);
            var v1 = two ? Vector.LoadUnsafe(ref xr, (nuint)lanes) : default;
            var b = new Vector<float>(e);
            a00 = Vector.FusedMultiplyAdd(b, v0, a00);
            if (two)
            {
                a01 = Vector.FusedMultiplyAdd(b, v1, a01);
            }

            if (classes > 1)
            {
                b = new Vector<float>(Unsafe.Add(ref e, 1));
                a10 = Vector.FusedMultiplyAdd(b, v0, a10);
                if (two)
                {
                    a11 = Vector.FusedMultiplyAdd(b, v1, a11);
                }
            }

            if (classes > 2)
            {
                b = new Vector<float>(Unsafe.Add(ref e, 2));
                a20 = Vector.FusedMultiplyAdd(b, v0, a20);
                if (two)
                {
                    a21 = Vector.FusedMultiplyAdd(b, v1, a21);
                }
            }

            if (classes > 3)
            {
                b = new Vector<float>(Unsafe.Add(ref e, 3));
                a30 = Vector.FusedMultiplyAdd(b, v0, a30);
                if (two)
                {
                    a31 = Vector.FusedMultiplyAdd(b, v1, a31);
                }
            }

            if (classes > 4)
            {
                b = new Vector<float>(Unsafe.Add(ref e, 4));
                a40 = Vector.FusedMultiplyAdd(b, v0, a40);
                if (two)
                {
                    a41 = Vector.FusedMultiplyAdd(b, v1, a41);
                }
            }

            if (classes > 5)
            {
                b = new Vector<float>(Unsafe.Add(ref e, 5));
                a50 = Vector.FusedMultiplyAdd(b, v0, a50);
                if (two)
                {
                    a51 = Vector.FusedMultiplyAdd(b, v1, a51);
                }
            }

            e = ref Unsafe.Add(ref e, classes);
        }

        AddTo(ref gradient, a00, a01, two, lanes);
        if (classes > 1)
        {
            AddTo(ref Unsafe.Add(ref gradient, vectorLength), a10, a11, two, lanes);
        }

        if (classes > 2)
        {
            AddTo(ref Unsafe.Add(ref gradient, 2 * vectorLength), a20, a21, two, lanes);
        }

        if (classes > 3)
        {
            AddTo(ref Unsafe.Add(ref gradient, 3 * vectorLength), a30, a31, two, lanes);
        }

        if (classes > 4)
        {
            AddTo(ref Unsafe.Add(ref gradient, 4 * vectorLength), a40, a41, two, lanes);
        }

        if (classes > 5)
        {
            AddTo(ref Unsafe.Add(ref gradient, 5 * vectorLength), a50, a51, two, lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo(ref float destination, Vector<float> v0, Vector<float> v1, bool two, int lanes)
    {
        (Vector.LoadUnsafe(ref destination) + v0).StoreUnsafe(ref destination);
        if (two)
        {
            (Vector.LoadUnsafe(ref destination, (nuint)lanes) + v1).StoreUnsafe(ref destination, (nuint)lanes);
        }
    }

    /// <summary>A compile-time tile size: the JIT specialises each tile kernel per size and drops the unused lanes.</summary>
    private interface ISize
    {
        static abstract int Value { get; }
    }

    private readonly struct N1 : ISize
    {
        public static int Value => 1;
    }

    private readonly struct N2 : ISize
    {
        public static int Value => 2;
    }

    private readonly struct N3 : ISize
    {
        public static int Value => 3;
    }

    private readonly struct N4 : ISize
    {
        public static int Value => 4;
    }

    private readonly struct N5 : ISize
    {
        public static int Value => 5;
    }

    private readonly struct N6 : ISize
    {
        public static int Value => 6;
    }
}
