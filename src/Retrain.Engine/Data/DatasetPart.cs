namespace Retrain.Data;

/// <summary>The three disjoint parts retrain.py's <c>create_image_lists</c> splits every class into.</summary>
internal enum DatasetPart
{
    Training,
    Validation,
    Testing,
}
