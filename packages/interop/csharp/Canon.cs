// The canonical text of a value, shared by the C# programs and the TypeScript tests
// (src/canon.ts writes the same text): both sides print what they sent and received in this form
// and the tests compare the texts, so a value that changes anywhere on the way shows up as a
// mismatch. Strings are UTF-8 hex, floating-point values their IEEE bits, DateTime its ticks
// (the UTC instant for Local) and kind, null is "~". A structure is {Key=value;...}, an array
// [a,b,...].
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Portshare.Interop
{
    public static class Canon
    {
        const string Null = "~";

        public static string Str(string s)
        {
            if (s == null) return Null;
            return Hex(Encoding.UTF8.GetBytes(s));
        }

        public static string Hex(byte[] b)
        {
            if (b == null) return Null;
            var sb = new StringBuilder(b.Length * 2);
            foreach (var x in b) sb.Append(x.ToString("x2"));
            return sb.ToString();
        }

        // NaN has many bit patterns and runtimes pick different ones, so every NaN is "NaN".
        public static string Float(float f)
        {
            if (float.IsNaN(f)) return "NaN";
            return BitConverter.ToUInt32(BitConverter.GetBytes(f), 0).ToString("x8");
        }

        public static string Double(double d)
        {
            if (double.IsNaN(d)) return "NaN";
            return BitConverter.DoubleToInt64Bits(d).ToString("x16");
        }

        public static string Date(DateTime d)
        {
            long ticks = d.Kind == DateTimeKind.Local ? d.ToUniversalTime().Ticks : d.Ticks;
            return ticks.ToString(CultureInfo.InvariantCulture) + "/" + d.Kind;
        }

        public static string List<T>(T[] items, Func<T, string> each)
        {
            if (items == null) return Null;
            var parts = new string[items.Length];
            for (int i = 0; i < items.Length; i++) parts[i] = each(items[i]);
            return "[" + string.Join(",", parts) + "]";
        }

        public static string Addr(Address a)
        {
            if (a == null) return Null;
            return "{Street=" + Str(a.Street) + ";City=" + Str(a.City) + ";Zip=" + Int(a.Zip) + "}";
        }

        public static string PersonText(Person p)
        {
            if (p == null) return Null;
            return "{Name=" + Str(p.Name) + ";Age=" + Int(p.Age) + ";Scores=" + List(p.Scores, Double) + ";Address=" + Addr(p.Address) + "}";
        }

        public static string Int(int v) { return v.ToString(CultureInfo.InvariantCulture); }

        /// <summary>The canonical text of any value an ITest operation takes or returns.</summary>
        public static string Of(object v)
        {
            if (v == null) return Null;
            if (v is string) return Str((string)v);
            if (v is int) return Int((int)v);
            if (v is long) return ((long)v).ToString(CultureInfo.InvariantCulture);
            if (v is bool) return (bool)v ? "true" : "false";
            if (v is float) return Float((float)v);
            if (v is double) return Double((double)v);
            if (v is decimal) return ((decimal)v).ToString(CultureInfo.InvariantCulture);
            if (v is DateTime) return Date((DateTime)v);
            if (v is Guid) return ((Guid)v).ToString("D");
            if (v is TimeSpan) return ((TimeSpan)v).Ticks.ToString(CultureInfo.InvariantCulture);
            if (v is byte[]) return Hex((byte[])v);
            if (v is int[]) return List((int[])v, Int);
            if (v is string[]) return List((string[])v, Str);
            if (v is Person) return PersonText((Person)v);
            if (v is byte || v is sbyte || v is short || v is ushort || v is uint || v is ulong)
                return System.Convert.ToString(v, CultureInfo.InvariantCulture);
            if (v is char) return ((int)(char)v).ToString(CultureInfo.InvariantCulture);
            if (v is Uri) return Str(((Uri)v).OriginalString);
            if (v is Color) return v.ToString();
            if (v is Access) return ((int)(Access)v).ToString(CultureInfo.InvariantCulture);
            if (v is DateTimeOffset)
            {
                var dto = (DateTimeOffset)v;
                return dto.UtcTicks.ToString(CultureInfo.InvariantCulture) + "/" + ((int)dto.Offset.TotalMinutes).ToString(CultureInfo.InvariantCulture);
            }
            if (v is Dictionary<string, int>)
            {
                var parts = new List<string>();
                foreach (var kv in (Dictionary<string, int>)v) parts.Add(Str(kv.Key) + "=" + Int(kv.Value));
                return "{" + string.Join(";", parts) + "}";
            }
            throw new ArgumentException("no canonical form for " + v.GetType());
        }

        // ---- parsing: value := atom | '[' items ']' | '{' key=value;... '}' ----

        public static object Parse(string type, string text)
        {
            int pos = 0;
            object tree = ParseTree(text, ref pos);
            if (pos != text.Length) throw new FormatException("trailing text in " + text);
            return Convert(type, tree);
        }

        static object ParseTree(string t, ref int pos)
        {
            if (pos < t.Length && t[pos] == '[')
            {
                pos++;
                var items = new List<object>();
                if (t[pos] == ']') { pos++; return items; }
                for (;;)
                {
                    items.Add(ParseTree(t, ref pos));
                    char c = t[pos++];
                    if (c == ']') return items;
                    if (c != ',') throw new FormatException("expected , or ] at " + pos);
                }
            }
            if (pos < t.Length && t[pos] == '{')
            {
                pos++;
                var fields = new Dictionary<string, object>();
                if (t[pos] == '}') { pos++; return fields; }
                for (;;)
                {
                    int eq = t.IndexOf('=', pos);
                    string key = t.Substring(pos, eq - pos);
                    pos = eq + 1;
                    fields[key] = ParseTree(t, ref pos);
                    char c = t[pos++];
                    if (c == '}') return fields;
                    if (c != ';') throw new FormatException("expected ; or } at " + pos);
                }
            }
            int start = pos;
            while (pos < t.Length && "[]{},;=".IndexOf(t[pos]) < 0) pos++;
            return t.Substring(start, pos - start);
        }

        static byte[] FromHex(string h)
        {
            var b = new byte[h.Length / 2];
            for (int i = 0; i < b.Length; i++) b[i] = byte.Parse(h.Substring(2 * i, 2), NumberStyles.HexNumber);
            return b;
        }

        static string ToStr(object tree)
        {
            var s = (string)tree;
            return s == Null ? null : Encoding.UTF8.GetString(FromHex(s));
        }

        static T[] ToArray<T>(object tree, Func<object, T> each)
        {
            if (tree is string && (string)tree == Null) return null;
            var list = (List<object>)tree;
            var result = new T[list.Count];
            for (int i = 0; i < list.Count; i++) result[i] = each(list[i]);
            return result;
        }

        static double ToDouble(object tree)
        {
            if ((string)tree == "NaN") return double.NaN;
            return BitConverter.Int64BitsToDouble(long.Parse((string)tree, NumberStyles.HexNumber));
        }

        static int ToInt(object tree) { return int.Parse((string)tree, CultureInfo.InvariantCulture); }

        static Address ToAddress(object tree)
        {
            if (tree is string) return null;
            var f = (Dictionary<string, object>)tree;
            return new Address { Street = ToStr(f["Street"]), City = ToStr(f["City"]), Zip = ToInt(f["Zip"]) };
        }

        static Person ToPerson(object tree)
        {
            if (tree is string) return null;
            var f = (Dictionary<string, object>)tree;
            return new Person
            {
                Name = ToStr(f["Name"]),
                Age = ToInt(f["Age"]),
                Scores = ToArray(f["Scores"], ToDouble),
                Address = ToAddress(f["Address"]),
            };
        }

        static object Convert(string type, object tree)
        {
            var s = tree as string;
            switch (type)
            {
                case "string": return ToStr(tree);
                case "int": return ToInt(tree);
                case "long": return long.Parse(s, CultureInfo.InvariantCulture);
                case "bool": return s == "true";
                case "float":
                    if (s == "NaN") return float.NaN;
                    return BitConverter.ToSingle(BitConverter.GetBytes(uint.Parse(s, NumberStyles.HexNumber)), 0);
                case "double": return ToDouble(tree);
                case "decimal": return decimal.Parse(s, NumberStyles.Number, CultureInfo.InvariantCulture);
                case "dateTime":
                {
                    var parts = s.Split('/');
                    long ticks = long.Parse(parts[0], CultureInfo.InvariantCulture);
                    var kind = (DateTimeKind)Enum.Parse(typeof(DateTimeKind), parts[1]);
                    return kind == DateTimeKind.Local ? new DateTime(ticks, DateTimeKind.Utc).ToLocalTime() : new DateTime(ticks, kind);
                }
                case "guid": return new Guid(s);
                case "timeSpan": return new TimeSpan(long.Parse(s, CultureInfo.InvariantCulture));
                case "bytes": return s == Null ? null : FromHex(s);
                case "ints": return ToArray(tree, ToInt);
                case "strings": return ToArray(tree, ToStr);
                case "person": return ToPerson(tree);
                case "byte": return byte.Parse(s, CultureInfo.InvariantCulture);
                case "sbyte": return sbyte.Parse(s, CultureInfo.InvariantCulture);
                case "short": return short.Parse(s, CultureInfo.InvariantCulture);
                case "ushort": return ushort.Parse(s, CultureInfo.InvariantCulture);
                case "uint": return uint.Parse(s, CultureInfo.InvariantCulture);
                case "ulong": return ulong.Parse(s, CultureInfo.InvariantCulture);
                case "char": return (char)int.Parse(s, CultureInfo.InvariantCulture);
                case "uri": return s == Null ? null : new Uri(ToStr(tree), UriKind.RelativeOrAbsolute);
                case "nullableInt": return s == Null ? (object)null : ToInt(tree);
                case "color": return (Color)Enum.Parse(typeof(Color), s);
                case "access": return (Access)int.Parse(s, CultureInfo.InvariantCulture);
                case "dateTimeOffset":
                {
                    var parts = s.Split('/');
                    var utc = new DateTimeOffset(long.Parse(parts[0], CultureInfo.InvariantCulture), TimeSpan.Zero);
                    return utc.ToOffset(TimeSpan.FromMinutes(int.Parse(parts[1], CultureInfo.InvariantCulture)));
                }
                case "dictionary":
                {
                    if (s == Null) return null;
                    var d = new Dictionary<string, int>();
                    foreach (var kv in (Dictionary<string, object>)tree) d.Add(ToStr(kv.Key), ToInt(kv.Value));
                    return d;
                }
            }
            throw new ArgumentException("unknown type " + type);
        }

        /// <summary>The large-message text: a fixed pattern with non-ASCII characters, cut to n characters.</summary>
        public static string LargeText(int n)
        {
            const string pattern = "portshare ünïcödé ✓ 0123456789 ";
            var sb = new StringBuilder(n + pattern.Length);
            while (sb.Length < n) sb.Append(pattern);
            return sb.ToString(0, n);
        }

        public static string Sha256(string s)
        {
            using (var sha = System.Security.Cryptography.SHA256.Create())
                return Hex(sha.ComputeHash(Encoding.UTF8.GetBytes(s)));
        }
    }
}
