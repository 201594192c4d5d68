using System.Text;

namespace KmemGen.Generators.Helpers;

/// <summary>
/// Writes C# with four-space indentation and \n line endings (generated text must not depend on
/// the machine that ran the build). <see cref="WriteBlock"/> opens a brace block that the returned
/// scope closes, so nesting in the emitter mirrors nesting in the output (after ComputeSharp).
/// </summary>
internal sealed class IndentedWriter
{
    private const string IndentUnit = "    ";

    private readonly StringBuilder _builder = new();
    private int _depth;

    public void WriteLine(string line)
    {
        if (line.Length != 0)
        {
            for (int i = 0; i < _depth; i++)
            {
                _builder.Append(IndentUnit);
            }

            _builder.Append(line);
        }

        _builder.Append('\n');
    }

    public void WriteLine() => _builder.Append('\n');

    /// <summary>Writes <paramref name="header"/> (if any), then "{"; disposing the scope writes "}".</summary>
    public Block WriteBlock(string? header = null)
    {
        if (header is not null)
        {
            WriteLine(header);
        }

        WriteLine("{");
        _depth++;
        return new Block(this);
    }

    public override string ToString() => _builder.ToString();

    public readonly struct Block : IDisposable
    {
        private readonly IndentedWriter _writer;

        public Block(IndentedWriter writer) => _writer = writer;

        public void Dispose()
        {
            _writer._depth--;
            _writer.WriteLine("}");
        }
    }
}
