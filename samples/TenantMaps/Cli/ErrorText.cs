namespace KmemGen.Samples.TenantMaps.Cli;

/// <summary>What the program prints for an error: the message a person wrote, without .NET's decorations.</summary>
public static class ErrorText
{
    /// <summary>
    /// The exception's message without the " (Parameter 'x')" that ArgumentException appends (and the
    /// "Actual value was ..." line after it): the messages already name the option or file at fault.
    /// The suffix is produced by the runtime itself, so this also holds where it is translated.
    /// </summary>
    public static string Of(Exception error)
    {
        string message = error.Message;
        if (error is ArgumentException { ParamName: { Length: > 0 } parameter })
        {
            string suffix = new ArgumentException(string.Empty, parameter).Message;
            int at = message.LastIndexOf(suffix, StringComparison.Ordinal);
            if (at > 0)
            {
                message = message[..at];
            }
        }

        return message.Trim();
    }
}
