namespace KmemGen;

/// <summary>Like the kernel's <c>__rcu</c>: the member may be read only inside <c>using (Rcu.ReadLock())</c>.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true)]
public sealed class RcuProtectedAttribute : Attribute { }

/// <summary>Like <c>__must_hold(rcu)</c>: callers must hold an RCU read section.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Constructor, Inherited = true)]
public sealed class RequiresRcuReadLockAttribute : Attribute { }

/// <summary>Like <c>might_sleep()</c>: the member may block, so it is forbidden inside an RCU read section.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Constructor, Inherited = true)]
public sealed class MightSleepAttribute : Attribute { }
