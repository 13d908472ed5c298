namespace Retrain.Reports;

/// <summary>One class's usable images in each part.</summary>
internal sealed record ClassCounts(string Label, int Training, int Validation, int Testing)
{
    public int Total => Training + Validation + Testing;
}
