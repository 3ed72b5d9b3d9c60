// A stock WCF client of ITest, driven line by line from standard input so that the TypeScript
// tests decide what is sent. Usage: mono test-client.exe ADDRESS [MAX_MESSAGE_BYTES]
//
// Each input line is LABEL<TAB>COMMAND<TAB>ARGS...; each output line starts with the same LABEL.
//   echo TYPE CANON        -> ok CANON(result)              (TYPE: string int long bool float double
//                                                             decimal dateTime guid timeSpan bytes ints
//                                                             strings person)
//   fail HEXREASON         -> fault CODE CODENS SUBCODE SUBCODENS HEXREASON
//   failTyped CODE HEXREASON -> fault-typed DETAILCODE HEXDETAILREASON HEXREASON CODE
//   divInt A B             -> ok CANON | fault ...
//   notify HEXMESSAGE      -> sent
//   lastNotified           -> ok CANON
//   large N                -> ok LENGTH SHA256 same|differs
//   reopen                 -> reopened  (aborts this channel and opens a new one: a new session)
//   closeAndOpen           -> reopened  (closes this channel cleanly, then opens a new one)
//   ascii N                -> ok LENGTH (EchoString of N times 'x')
//   unknownAction          -> fault ... (an operation the TypeScript service does not have)
//   divide A B             -> ok CANON(result) CANON(remainder) | fault ...
//   swap CANONX CANONY     -> ok CANON(x) CANON(y)            (ref parameters, as they came back)
//   concat CANONA COUNTER  -> ok CANON(result) CANON(length) CANON(counter)
//   older CANONPERSON YEARS -> ok CANON(result) CANON(person) CANON(scores)
//   concurrent N           -> ok [results]   (N threads calling EchoInt(i) at once on this one channel)
//   parallel SESSIONS CALLS -> session I [results] (one line per session), then done
// Any other failure prints: error EXCEPTIONTYPE HEXMESSAGE.
using System;
using System.Collections.Generic;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.Threading;

namespace Portshare.Interop
{
    public static class TestClient
    {
        static NetTcpBinding binding;
        static EndpointAddress address;
        static ChannelFactory<ITest> factory;
        static ITest proxy;

        public static int Main(string[] args)
        {
            if (args.Length < 1)
            {
                Console.Error.WriteLine("usage: mono test-client.exe ADDRESS [MAX_MESSAGE_BYTES]");
                return 2;
            }
            long max = args.Length > 1 ? long.Parse(args[1]) : 65536;
            binding = Bindings.Create(max);
            address = new EndpointAddress(args[0]);
            Open();
            string line;
            while ((line = Console.ReadLine()) != null)
            {
                if (line.Length == 0) continue;
                var f = line.Split('\t');
                try
                {
                    Run(f);
                }
                catch (Exception e)
                {
                    Console.WriteLine(f[0] + "\terror\t" + e.GetType().FullName + "\t" + Canon.Str(e.Message));
                    if (((ICommunicationObject)proxy).State != CommunicationState.Opened) Open();
                }
            }
            ((IClientChannel)proxy).Close();
            factory.Close();
            Console.WriteLine("closed");
            return 0;
        }

        /// <summary>
        /// A new channel (a new session) from a new factory: in Mono, aborting a channel disposes
        /// the inner channel factory while the ChannelFactory still reports Opened.
        /// </summary>
        static void Open()
        {
            if (factory != null) factory.Abort();
            factory = new ChannelFactory<ITest>(binding, address);
            proxy = factory.CreateChannel();
            ((IClientChannel)proxy).Open();
        }

        static string Fault(FaultException e)
        {
            var code = e.Code;
            var sub = code.SubCode;
            return Canon.Str(code.Name) + "\t" + Canon.Str(code.Namespace) + "\t" +
                Canon.Str(sub == null ? null : sub.Name) + "\t" + Canon.Str(sub == null ? null : sub.Namespace) + "\t" +
                Canon.Str(e.Reason.ToString());
        }

        static void Run(string[] f)
        {
            string label = f[0];
            try
            {
                switch (f[1])
                {
                    case "echo":
                        Console.WriteLine(label + "\tok\t" + Canon.Of(Echo(proxy, f[2], Canon.Parse(f[2], f[3]))));
                        return;
                    case "fail":
                        proxy.Fail((string)Canon.Parse("string", f[2]));
                        Console.WriteLine(label + "\tok");
                        return;
                    case "failTyped":
                        proxy.FailTyped(int.Parse(f[2]), (string)Canon.Parse("string", f[3]));
                        Console.WriteLine(label + "\tok");
                        return;
                    case "divInt":
                        Console.WriteLine(label + "\tok\t" + Canon.Of(proxy.DivInt(int.Parse(f[2]), int.Parse(f[3]))));
                        return;
                    case "notify":
                        proxy.Notify((string)Canon.Parse("string", f[2]));
                        Console.WriteLine(label + "\tsent");
                        return;
                    case "lastNotified":
                        Console.WriteLine(label + "\tok\t" + Canon.Of(proxy.LastNotified()));
                        return;
                    case "large":
                    {
                        string sent = Canon.LargeText(int.Parse(f[2]));
                        string got = proxy.EchoString(sent);
                        Console.WriteLine(label + "\tok\t" + got.Length + "\t" + Canon.Sha256(got) + "\t" + (got == sent ? "same" : "differs"));
                        return;
                    }
                    case "reopen":
                        ((IClientChannel)proxy).Abort();
                        Open();
                        Console.WriteLine(label + "\treopened");
                        return;
                    case "closeAndOpen":
                        ((IClientChannel)proxy).Close();
                        Open();
                        Console.WriteLine(label + "\treopened");
                        return;
                    case "ascii":
                    {
                        string got = proxy.EchoString(new string('x', int.Parse(f[2])));
                        Console.WriteLine(label + "\tok\t" + got.Length);
                        return;
                    }
                    case "mustUnderstand":
                        // EchoInt(1) with a header of our own marked mustUnderstand, which the service does not process.
                        using (new OperationContextScope((IContextChannel)proxy))
                        {
                            OperationContext.Current.OutgoingMessageHeaders.Add(MessageHeader.CreateHeader("Custom", "http://example.org/h", "v", true));
                            Console.WriteLine(label + "\tok\t" + proxy.EchoInt(1));
                        }
                        return;
                    case "unknownAction":
                        proxy.NotImplementedHere();
                        Console.WriteLine(label + "\tok");
                        return;
                    case "divide":
                    {
                        int remainder;
                        int quotient = proxy.Divide(int.Parse(f[2]), int.Parse(f[3]), out remainder);
                        Console.WriteLine(label + "\tok\t" + Canon.Int(quotient) + "\t" + Canon.Int(remainder));
                        return;
                    }
                    case "swap":
                    {
                        var x = (string)Canon.Parse("string", f[2]);
                        var y = (string)Canon.Parse("string", f[3]);
                        proxy.Swap(ref x, ref y);
                        Console.WriteLine(label + "\tok\t" + Canon.Str(x) + "\t" + Canon.Str(y));
                        return;
                    }
                    case "concat":
                    {
                        int length;
                        int counter = int.Parse(f[3]);
                        string result = proxy.Concat((string)Canon.Parse("string", f[2]), out length, ref counter);
                        Console.WriteLine(label + "\tok\t" + Canon.Str(result) + "\t" + Canon.Int(length) + "\t" + Canon.Int(counter));
                        return;
                    }
                    case "older":
                    {
                        var person = (Person)Canon.Parse("person", f[2]);
                        double[] scores;
                        bool result = proxy.Older(ref person, int.Parse(f[3]), out scores);
                        Console.WriteLine(label + "\tok\t" + Canon.Of(result) + "\t" + Canon.PersonText(person) + "\t" + Canon.List(scores, Canon.Double));
                        return;
                    }
                    case "concurrent":
                        Concurrent(label, int.Parse(f[2]));
                        return;
                    case "parallel":
                        Parallel(label, int.Parse(f[2]), int.Parse(f[3]));
                        return;
                }
                throw new ArgumentException("unknown command " + f[1]);
            }
            catch (FaultException<MyFault> e)
            {
                Console.WriteLine(label + "\tfault-typed\t" + Canon.Int(e.Detail.Code) + "\t" + Canon.Str(e.Detail.Reason) + "\t" +
                    Canon.Str(e.Reason.ToString()) + "\t" + Canon.Str(e.Code.Name));
            }
            catch (FaultException e)
            {
                Console.WriteLine(label + "\tfault\t" + Fault(e));
            }
        }

        public static object Echo(ITest p, string type, object v)
        {
            switch (type)
            {
                case "string": return p.EchoString((string)v);
                case "int": return p.EchoInt((int)v);
                case "long": return p.EchoLong((long)v);
                case "bool": return p.EchoBool((bool)v);
                case "float": return p.EchoFloat((float)v);
                case "double": return p.EchoDouble((double)v);
                case "decimal": return p.EchoDecimal((decimal)v);
                case "dateTime": return p.EchoDateTime((DateTime)v);
                case "guid": return p.EchoGuid((Guid)v);
                case "timeSpan": return p.EchoTimeSpan((TimeSpan)v);
                case "bytes": return p.EchoBytes((byte[])v);
                case "ints": return p.EchoInts((int[])v);
                case "strings": return p.EchoStrings((string[])v);
                case "person": return p.EchoPerson((Person)v);
                case "byte": return p.EchoByte((byte)v);
                case "sbyte": return p.EchoSByte((sbyte)v);
                case "short": return p.EchoShort((short)v);
                case "ushort": return p.EchoUShort((ushort)v);
                case "uint": return p.EchoUInt((uint)v);
                case "ulong": return p.EchoULong((ulong)v);
                case "char": return p.EchoChar((char)v);
                case "uri": return p.EchoUri((Uri)v);
                case "nullableInt": return p.EchoNullableInt((int?)v);
                case "color": return p.EchoColor((Color)v);
                case "access": return p.EchoAccess((Access)v);
                case "dictionary": return p.EchoDictionary((Dictionary<string, int>)v);
                case "dateTimeOffset": return p.EchoDateTimeOffset((DateTimeOffset)v);
            }
            throw new ArgumentException("unknown type " + type);
        }

        /// <summary>N threads call EchoInt(i) on the one channel at the same time: requests overlap on the session.</summary>
        static void Concurrent(string label, int n)
        {
            var results = new string[n];
            var start = new ManualResetEvent(false);
            var threads = new Thread[n];
            for (int t = 0; t < n; t++)
            {
                int id = t;
                threads[t] = new Thread(() =>
                {
                    start.WaitOne();
                    try { results[id] = Canon.Int(proxy.EchoInt(id)); }
                    catch (Exception e) { results[id] = "error " + e.GetType().FullName; }
                });
                threads[t].Start();
            }
            start.Set();
            foreach (var th in threads) th.Join();
            Console.WriteLine(label + "\tok\t[" + string.Join(",", results) + "]");
        }

        /// <summary>
        /// SESSIONS channels on SESSIONS threads. Each opens its session and makes one call, then all
        /// wait at a barrier, so every session is open at the same moment, then make the other calls.
        /// Each thread has a factory of its own: Mono's channels from one factory share one
        /// BinaryMessageEncoder, and TcpBinaryFrameManager.WriteSizedMessage sets its
        /// CurrentWriterSession under a per-channel lock, so two channels writing at once can
        /// encode one message against the other's session strings (the receiver then sees a
        /// dictionary id its session never defined). That is a Mono client bug, not the wire.
        /// </summary>
        static void Parallel(string label, int sessions, int calls)
        {
            var barrier = new Barrier(sessions);
            var results = new string[sessions];
            var threads = new Thread[sessions];
            for (int t = 0; t < sessions; t++)
            {
                int id = t;
                threads[t] = new Thread(() =>
                {
                    var values = new int[calls];
                    var own = new ChannelFactory<ITest>(binding, address);
                    try
                    {
                        var channel = own.CreateChannel();
                        ((IClientChannel)channel).Open();
                        for (int i = 0; i < calls; i++)
                        {
                            values[i] = channel.EchoInt(id * 1000 + i);
                            if (i == 0) barrier.SignalAndWait(TimeSpan.FromSeconds(20));
                        }
                        ((IClientChannel)channel).Close();
                        own.Close();
                        results[id] = Canon.List(values, Canon.Int);
                    }
                    catch (Exception e)
                    {
                        own.Abort();
                        results[id] = "error " + e.GetType().FullName + " " + e.Message.Replace('\n', ' ');
                    }
                });
                threads[t].Start();
            }
            foreach (var th in threads) th.Join();
            for (int t = 0; t < sessions; t++) Console.WriteLine(label + "\tsession\t" + t + "\t" + results[t]);
            Console.WriteLine(label + "\tdone");
        }
    }
}
