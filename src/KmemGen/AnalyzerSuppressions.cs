using System.Diagnostics.CodeAnalysis;

// KmemGen's own analyzers run on this assembly in every build. Each finding they make here is judged below.

[assembly: SuppressMessage("Reliability", "KMEM0105",
    Justification = "FromCurrent takes its reference inside the read section with ObjCgroup.TryPin, the conditional get of an objcg (obj_cgroup_tryget), which the rule does not know as one.",
    Scope = "member", Target = "~M:KmemGen.ObjCgroup.FromCurrent~KmemGen.ObjCgroup")]
[assembly: SuppressMessage("Reliability", "KMEM0105",
    Justification = "current_obj_cgroup: the handle is cached per thread without a reference by design; a charge through a released handle reports it and MemcgHooks resolves again.",
    Scope = "member", Target = "~M:KmemGen.MemCgroup.ResolveObjcg(KmemGen.MemCgroup)~KmemGen.ObjCgroup")]
[assembly: SuppressMessage("Reliability", "KMEM0100",
    Justification = "Only the text of the misuse exception reads the cgroup path; a path read outside a read section can be stale, which only changes that message.",
    Scope = "member", Target = "~M:KmemGen.ObjCgroup.Put")]
[assembly: SuppressMessage("Reliability", "KMEM0105",
    Justification = "A MemCgroup is a managed object the GC keeps alive; ListLru.Add resolves the nearest online ancestor under the list lock, and Remove marks the cgroup offline before it reparents under that lock, so an entry can never be left on a removed cgroup's list.",
    Scope = "member", Target = "~M:KmemGen.ListLru.MemcgOf(KmemGen.ObjCgroup)~KmemGen.MemCgroup")]
