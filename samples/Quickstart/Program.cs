// Replaced by the quickstart.
System.Console.WriteLine("Quickstart: not built yet");
