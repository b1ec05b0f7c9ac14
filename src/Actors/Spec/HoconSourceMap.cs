namespace FederatedHe.Actors.Spec;

/// <summary>
/// Where each key of a HOCON text is set, by line, and whether its braces, brackets and strings are closed. Akka's HOCON
/// parser keeps no positions, accepts an unclosed <c>data {</c> (the rest of the file then silently lands inside it) and
/// never returns on an unterminated string, so a spec is scanned here first: errors can then name the line a user wrote.
/// </summary>
/// <remarks>
/// A scanner, not a parser: it follows keys, <c>{ }</c>, <c>[ ]</c>, quoted strings, comments and <c>${…}</c>, which is all
/// the spec and node files use. Immutable once built and thread-safe.
/// </remarks>
public sealed class HoconSourceMap
{
    private readonly Dictionary<string, int> _lines;

    private HoconSourceMap(Dictionary<string, int> lines) => _lines = lines;

    /// <summary>The 1-based line where <paramref name="path"/> (or, failing that, its nearest enclosing key) is last set, or null.</summary>
    public int? LineOf(string path)
    {
        for (var candidate = path; candidate.Length > 0; candidate = Parent(candidate))
        {
            if (_lines.TryGetValue(candidate, out var line))
                return line;
        }

        return null;
    }

    /// <summary>Scans a HOCON text.</summary>
    /// <exception cref="HoconStructureException">A brace, bracket or string is left open, or a closing one has no opening.</exception>
    public static HoconSourceMap Scan(string text) => new Scanner(text).Run();

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? string.Empty : path[..cut];
    }

    private sealed class Frame(bool isObject, string path, int line, string opener, int indent = 0)
    {
        public int Indent { get; } = indent;
        public bool IsObject { get; } = isObject;
        public string Path { get; } = path;
        public int Line { get; } = line;
        public string Opener { get; } = opener;
        public int Elements { get; set; }
    }

    private sealed class Scanner(string text)
    {
        private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);
        private readonly Stack<Frame> _frames = new();
        private int _i;
        private int _line = 1;

        public HoconSourceMap Run()
        {
            _frames.Push(new Frame(isObject: true, string.Empty, 0, string.Empty));
            while (true)
            {
                SkipBlank(newlines: true);
                if (_i >= text.Length)
                    break;
                var frame = _frames.Peek();
                var c = text[_i];
                if (c == ',')
                {
                    _i++;
                }
                else if (c == '}' || c == ']')
                {
                    if (_frames.Count == 1 || frame.IsObject != (c == '}'))
                        throw new HoconStructureException(_line, $"'{c}' closes nothing that is open" + (_frames.Count > 1 ? $" (the innermost open one is {frame.Opener} on line {frame.Line})" : string.Empty));
                    // A closing bracket alone on its line, indented less than the line that opened the block, closes an outer
                    // block as written: the block opened deeper was left open (an unclosed `data {` inside `fedhe {`).
                    if (FirstOnLine() is { } indent && indent < frame.Indent && _frames.Any(f => f != frame && f.Line > 0 && f.Indent == indent && f.IsObject == frame.IsObject))
                        throw new HoconStructureException(frame.Line, $"{frame.Opener} is never closed (the '{c}' on line {_line} lines up with an outer block)");
                    _frames.Pop();
                    _i++;
                }
                else if (frame.IsObject)
                {
                    Statement(frame);
                }
                else
                {
                    Value(ElementPath(frame));
                }
            }

            if (_frames.Count > 1)
            {
                var open = _frames.Peek();
                throw new HoconStructureException(open.Line, $"{open.Opener} is never closed");
            }

            return new HoconSourceMap(_lines);
        }

        /// <summary>The indentation of the current line.</summary>
        private int LineIndent()
        {
            var start = text.LastIndexOf('\n', Math.Max(0, _i - 1)) + 1;
            var indent = 0;
            while (start + indent < text.Length && text[start + indent] is ' ' or '\t')
                indent++;
            return indent;
        }

        /// <summary>The indentation of the current line if the character at the cursor is its first non-blank one, else null.</summary>
        private int? FirstOnLine()
        {
            var indent = LineIndent();
            var start = text.LastIndexOf('\n', Math.Max(0, _i - 1)) + 1;
            return start + indent == _i ? indent : null;
        }

        private string ElementPath(Frame array)
        {
            var path = $"{array.Path}[{array.Elements++}]";
            _lines[path] = _line;
            return path;
        }

        private void Statement(Frame frame)
        {
            var keyLine = _line;
            var key = Key();
            if (key.Length == 0)
                throw new HoconStructureException(_line, $"'{text[_i]}' where a key was expected");
            if (key == "include")
            {
                SkipToEndOfValue();
                return;
            }

            var path = frame.Path.Length == 0 ? key : $"{frame.Path}.{key}";
            _lines[path] = keyLine;
            SkipBlank(newlines: false);
            if (_i < text.Length && text[_i] == '+' && _i + 1 < text.Length && text[_i + 1] == '=')
                _i += 2;
            else if (_i < text.Length && text[_i] is '=' or ':')
                _i++;
            else if (_i >= text.Length || text[_i] != '{')
                throw new HoconStructureException(keyLine, $"'{key}' has no value ('=', ':' or '{{' expected)");
            SkipBlank(newlines: true);
            Value(path);
        }

        private void Value(string path)
        {
            if (_i >= text.Length)
                return;
            var c = text[_i];
            if (c == '{')
            {
                _frames.Push(new Frame(isObject: true, path, _line, $"'{LastSegment(path)} {{'", LineIndent()));
                _i++;
            }
            else if (c == '[')
            {
                _frames.Push(new Frame(isObject: false, path, _line, $"'{LastSegment(path)} = ['", LineIndent()));
                _i++;
            }
            else
            {
                SkipToEndOfValue();
            }
        }

        private static string LastSegment(string path)
        {
            var dot = path.LastIndexOf('.');
            return dot < 0 ? path : path[(dot + 1)..];
        }

        private string Key()
        {
            var key = new System.Text.StringBuilder();
            while (_i < text.Length)
            {
                var c = text[_i];
                if (c == '"')
                {
                    var start = _i;
                    SkipString();
                    key.Append(text, start + 1, _i - start - 2);
                }
                else if (char.IsWhiteSpace(c) || c is '=' or ':' or '{' or '}' or '[' or ']' or ',' or '#' or '+'
                         || (c == '/' && _i + 1 < text.Length && text[_i + 1] == '/'))
                {
                    break;
                }
                else
                {
                    key.Append(c);
                    _i++;
                }
            }

            return key.ToString();
        }

        /// <summary>Skips a simple value (up to a newline, comma, comment or closing bracket), passing over strings and ${…}.</summary>
        private void SkipToEndOfValue()
        {
            while (_i < text.Length)
            {
                var c = text[_i];
                if (c is '\n' or ',' or '}' or ']' or '#' || (c == '/' && _i + 1 < text.Length && text[_i + 1] == '/'))
                    return;
                if (c == '"')
                {
                    SkipString();
                }
                else if (c == '$' && _i + 1 < text.Length && text[_i + 1] == '{')
                {
                    var close = text.IndexOf('}', _i);
                    if (close < 0)
                        throw new HoconStructureException(_line, "'${' is never closed");
                    _i = close + 1;
                }
                else
                {
                    _i++;
                }
            }
        }

        private void SkipString()
        {
            var opened = _line;
            if (string.CompareOrdinal(text, _i, "\"\"\"", 0, 3) == 0)
            {
                var close = text.IndexOf("\"\"\"", _i + 3, StringComparison.Ordinal);
                if (close < 0)
                    throw new HoconStructureException(opened, "a quoted string is not closed");
                _line += text.AsSpan(_i, close - _i).Count('\n');
                _i = close + 3;
                return;
            }

            for (_i++; ; _i++)
            {
                if (_i >= text.Length || text[_i] == '\n')
                    throw new HoconStructureException(opened, "a quoted string is not closed");
                if (text[_i] == '\\')
                {
                    _i++;
                }
                else if (text[_i] == '"')
                {
                    _i++;
                    return;
                }
            }
        }

        private void SkipBlank(bool newlines)
        {
            while (_i < text.Length)
            {
                var c = text[_i];
                if (c == '\n')
                {
                    if (!newlines)
                        return;
                    _line++;
                    _i++;
                }
                else if (char.IsWhiteSpace(c))
                {
                    _i++;
                }
                else if (c == '#' || (c == '/' && _i + 1 < text.Length && text[_i + 1] == '/'))
                {
                    while (_i < text.Length && text[_i] != '\n')
                        _i++;
                }
                else
                {
                    return;
                }
            }
        }
    }
}

/// <summary>A HOCON text's braces, brackets or strings do not match; names the line.</summary>
/// <param name="line">The 1-based line of the opening that is never closed, or of the stray closing.</param>
/// <param name="problem">What is wrong.</param>
public sealed class HoconStructureException(int line, string problem) : Exception($"line {line}: {problem}")
{
    /// <summary>The 1-based line.</summary>
    public int Line { get; } = line;

    /// <summary>What is wrong, without the line.</summary>
    public string Problem { get; } = problem;
}
