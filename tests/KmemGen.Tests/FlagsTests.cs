namespace KmemGen.Tests;

public class FlagsTests
{
    [Fact]
    public void KernelAccount_is_Kernel_with_Account()
    {
        Assert.Equal(Gfp.Account, Gfp.KernelAccount & Gfp.Account);
        Assert.Equal(Gfp.KernelAccount, Gfp.Kernel | Gfp.Account);
    }
}
