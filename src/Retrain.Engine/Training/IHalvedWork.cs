namespace Retrain.Training;

/// <summary>Work cut in two halves that can run at the same time: half 0 on the caller, half 1 on a partner.</summary>
internal interface IHalvedWork
{
    void RunHalf(int half);
}
