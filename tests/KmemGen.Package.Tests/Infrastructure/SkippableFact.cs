using Xunit.Abstractions;
using Xunit.Sdk;

namespace KmemGen.Package.Tests.Infrastructure;

/// <summary>Thrown by a <see cref="SkippableFactAttribute"/> test to report itself skipped, with the reason, at run time.</summary>
public sealed class SkipTestException(string reason) : Exception(reason);

/// <summary>
/// A fact that may decide at run time that it cannot run here (a tool that cannot be installed): throwing
/// <see cref="SkipTestException"/> reports it skipped with that reason instead of failed. xunit 2 only knows
/// skipping at discovery time.
/// </summary>
[XunitTestCaseDiscoverer("KmemGen.Package.Tests.Infrastructure.SkippableFactDiscoverer", "KmemGen.Package.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class SkippableFactAttribute : FactAttribute;

public sealed class SkippableFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        [new SkippableTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)];
}

public sealed class SkippableTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SkippableTestCase()
    {
    }

    public SkippableTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, display, displayOptions, testMethod)
    {
    }

    public override async Task<RunSummary> RunAsync(
        IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments, ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    {
        var bus = new SkipReportingBus(messageBus);
        RunSummary summary = await base.RunAsync(diagnosticMessageSink, bus, constructorArguments, aggregator, cancellationTokenSource);
        summary.Failed -= bus.Skipped;
        summary.Skipped += bus.Skipped;
        return summary;
    }

    /// <summary>Turns a failure by <see cref="SkipTestException"/> into a skip carrying its message.</summary>
    private sealed class SkipReportingBus(IMessageBus inner) : IMessageBus
    {
        public int Skipped { get; private set; }

        public bool QueueMessage(IMessageSinkMessage message)
        {
            if (message is ITestFailed failed && failed.ExceptionTypes.FirstOrDefault() == typeof(SkipTestException).FullName)
            {
                Skipped++;
                return inner.QueueMessage(new TestSkipped(failed.Test, failed.Messages.FirstOrDefault() ?? "skipped"));
            }

            return inner.QueueMessage(message);
        }

        public void Dispose()
        {
        }
    }
}
