using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

public class PartnerThreadTests
{
    [Fact]
    public void Run_RunsHalfOneOnTheOtherThreadAndWaitsForIt()
    {
        using var partner = new PartnerThread();
        var work = new Recording(slowHalf: 1);

        for (var i = 0; i < 1000; i++)
        {
            partner.Run(work);
        }

        Assert.Equal(1000, work.Runs[0]);
        Assert.Equal(1000, work.Runs[1]); // Run returned only after the slow half each time
        Assert.Equal(Environment.CurrentManagedThreadId, work.Threads[0]);
        Assert.NotEqual(Environment.CurrentManagedThreadId, work.Threads[1]);
    }

    [Fact]
    public void Run_AfterThePartnerHasGoneToSleep_WakesIt()
    {
        using var partner = new PartnerThread();
        var work = new Recording();

        for (var i = 0; i < 3; i++)
        {
            Thread.Sleep(20); // far past the spin time
            partner.Run(work);
        }

        Assert.Equal(3, work.Runs[1]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Run_WhenAHalfThrows_RethrowsItAfterBothStopped(int failing)
    {
        using var partner = new PartnerThread();
        var work = new Recording(slowHalf: 1 - failing, failingHalf: failing);

        var error = Assert.Throws<InvalidOperationException>(() => partner.Run(work));

        Assert.Equal($"half {failing}", error.Message);
        Assert.Equal(1, work.Runs[1 - failing]); // the other half had finished
        partner.Run(new Recording()); // and the partner still works
    }

    [Fact]
    public void Run_AfterDispose_Throws()
    {
        var partner = new PartnerThread();
        partner.Dispose();
        partner.Dispose();

        Assert.Throws<ObjectDisposedException>(() => partner.Run(new Recording()));
    }

    private sealed class Recording(int slowHalf = -1, int failingHalf = -1) : IHalvedWork
    {
        public int[] Runs { get; } = new int[2];

        public int[] Threads { get; } = new int[2];

        public void RunHalf(int half)
        {
            if (half == slowHalf)
            {
                Thread.SpinWait(2_000);
            }

            Threads[half] = Environment.CurrentManagedThreadId;
            if (half == failingHalf)
            {
                throw new InvalidOperationException($"half {half}");
            }

            Runs[half]++;
        }
    }
}
