// Replaced by the multi-tenant map sample.
System.Console.WriteLine("TenantMaps: not built yet");
