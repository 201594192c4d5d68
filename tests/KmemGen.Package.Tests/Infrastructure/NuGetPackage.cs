using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace KmemGen.Package.Tests.Infrastructure;

/// <summary>Read-only view of a .nupkg/.snupkg: its entries, its nuspec, and the assemblies inside.</summary>
public sealed class NuGetPackage : IDisposable
{
    private readonly ZipArchive _archive;

    public NuGetPackage(string path)
    {
        _archive = ZipFile.OpenRead(path);
        Entries = _archive.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal).ToList();
        XDocument nuspec = XDocument.Parse(ReadText(Entries.Single(e => e.EndsWith(".nuspec", StringComparison.Ordinal) && !e.Contains('/'))));
        Metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    public IReadOnlyList<string> Entries { get; }

    public XElement Metadata { get; }

    public string Listing => string.Join('\n', Entries);

    public XElement? MetadataElement(string localName) =>
        Metadata.Elements().SingleOrDefault(e => e.Name.LocalName == localName);

    public string ReadText(string entry)
    {
        using var reader = new StreamReader(Open(entry));
        return reader.ReadToEnd();
    }

    /// <summary>Name and version of every assembly the packed assembly <paramref name="entry"/> references.</summary>
    public IReadOnlyList<(string Name, Version Version)> AssemblyReferences(string entry)
    {
        using var copy = new MemoryStream();
        using (Stream source = Open(entry))
        {
            source.CopyTo(copy);
        }

        copy.Position = 0;
        using var pe = new PEReader(copy);
        MetadataReader md = pe.GetMetadataReader();
        return md.AssemblyReferences
            .Select(h => md.GetAssemblyReference(h))
            .Select(r => (md.GetString(r.Name), r.Version))
            .ToList();
    }

    private Stream Open(string entry) =>
        (_archive.GetEntry(entry) ?? throw new ArgumentException($"The package has no entry '{entry}'.", nameof(entry))).Open();

    public void Dispose() => _archive.Dispose();
}
