using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace KmemGen.Package.Tests.Infrastructure;

/// <summary>
/// A minimal Language Server Protocol client over a server's stdin/stdout: JSON-RPC 2.0 messages framed by
/// Content-Length headers. Requests from the server (workspace/configuration and the like) are answered by a
/// callback; notifications are kept for the test to read.
/// </summary>
public sealed class LanguageServerClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Func<string, JsonNode?, JsonNode?> _answer;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly StringBuilder _stderr = new();
    private readonly Task _reader;
    private int _nextId;

    private LanguageServerClient(Process process, Func<string, JsonNode?, JsonNode?> answer)
    {
        _process = process;
        _answer = answer;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>Every notification received, in order (method, params).</summary>
    public ConcurrentQueue<(string Method, JsonNode? Params)> Notifications { get; } = new();

    /// <summary>What the server wrote to stderr so far, for failure messages.</summary>
    public string ErrorOutput
    {
        get { lock (_stderr) { return _stderr.ToString(); } }
    }

    /// <summary>
    /// Starts <paramref name="executable"/> in <paramref name="workingDirectory"/> with the test's clean
    /// environment; <paramref name="answer"/> gives the result for each request the server sends.
    /// </summary>
    public static LanguageServerClient Start(
        string executable, string workingDirectory, IReadOnlyDictionary<string, string> environment, Func<string, JsonNode?, JsonNode?> answer)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        DotNetCli.PrepareEnvironment(start.Environment, environment);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var client = new LanguageServerClient(process, answer);
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (client._stderr) { client._stderr.AppendLine(e.Data); } } };
        process.BeginErrorReadLine();
        return client;
    }

    public async Task<JsonNode?> RequestAsync(string method, JsonNode? parameters, TimeSpan timeout)
    {
        int id = Interlocked.Increment(ref _nextId);
        var response = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = response;
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
        try
        {
            return await response.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No answer to {method} within {timeout.TotalSeconds:F0} s. Server stderr:\n{ErrorOutput}");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public Task NotifyAsync(string method, JsonNode? parameters) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters });

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await RequestAsync("shutdown", null, TimeSpan.FromSeconds(10));
                await NotifyAsync("exit", null);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is TimeoutException or IOException or InvalidOperationException)
            {
                // Killed below: a server that does not shut down must not outlive the test.
            }

            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        await _reader.ContinueWith(_ => { }, TaskScheduler.Default);
        _process.Dispose();
        _writeLock.Dispose();
    }

    private async Task SendAsync(JsonObject message)
    {
        byte[] body = Encoding.UTF8.GetBytes(message.ToJsonString());
        byte[] header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        await _writeLock.WaitAsync();
        try
        {
            Stream stdin = _process.StandardInput.BaseStream;
            await stdin.WriteAsync(header);
            await stdin.WriteAsync(body);
            await stdin.FlushAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        Stream stdout = _process.StandardOutput.BaseStream;
        try
        {
            while (await ReadMessageAsync(stdout) is { } message)
            {
                await DispatchAsync(message);
            }
        }
        catch (IOException)
        {
            // The server went away; pending requests fail below.
        }

        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new IOException($"The language server exited. Stderr:\n{ErrorOutput}"));
        }
    }

    private async Task DispatchAsync(JsonObject message)
    {
        string? method = message["method"]?.GetValue<string>();
        JsonNode? id = message["id"];
        if (method is not null && id is not null)
        {
            // A request from the server: answer it, or the server may wait for ever.
            JsonNode? result = _answer(method, message["params"]);
            await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id.DeepClone(), ["result"] = result });
        }
        else if (method is not null)
        {
            Notifications.Enqueue((method, message["params"]?.DeepClone()));
        }
        else if (id is not null && _pending.TryGetValue(id.GetValue<int>(), out var response))
        {
            if (message["error"] is { } error)
            {
                response.TrySetException(new InvalidOperationException($"The server answered with an error: {error.ToJsonString()}"));
            }
            else
            {
                response.TrySetResult(message["result"]?.DeepClone());
            }
        }
    }

    /// <summary>One framed message, or null at the end of the stream.</summary>
    private static async Task<JsonObject?> ReadMessageAsync(Stream stream)
    {
        int length = -1;
        while (await ReadHeaderLineAsync(stream) is { } line)
        {
            if (line.Length == 0)
            {
                if (length < 0)
                {
                    throw new InvalidDataException("A message without Content-Length.");
                }

                byte[] body = new byte[length];
                await stream.ReadExactlyAsync(body);
                return JsonNode.Parse(body)?.AsObject();
            }

            const string ContentLength = "Content-Length:";
            if (line.StartsWith(ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line[ContentLength.Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    private static async Task<string?> ReadHeaderLineAsync(Stream stream)
    {
        var line = new StringBuilder();
        byte[] one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return null;
            }

            if (one[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)one[0]);
        }
    }
}
