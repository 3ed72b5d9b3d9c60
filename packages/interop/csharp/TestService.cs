// A stock WCF ServiceHost for ITest on net.tcp (SecurityMode.None, port sharing off: Mono's
// NetTcpBinding has no sharing service).
// Usage: mono test-service.exe ADDRESS [MAX_MESSAGE_BYTES [LISTEN_URI|- [any-address]]]
// Prints "ready" once listening, then one line per call it receives:
//   recv OPERATION CANON(arguments, TAB-separated)  (session SESSIONID)
// and stops at end of standard input.
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.ServiceModel.Description;
using System.ServiceModel.Dispatcher;
using System.Threading;

namespace Portshare.Interop
{
    [ServiceBehavior(InstanceContextMode = InstanceContextMode.PerSession, ConcurrencyMode = ConcurrencyMode.Single)]
    public class TestService : ITest
    {
        static readonly object Gate = new object();
        static int sessions;
        readonly int session = Interlocked.Increment(ref sessions);
        string lastNotified;

        void Recv(string op, params object[] args)
        {
            var parts = new string[args.Length];
            for (int i = 0; i < args.Length; i++) parts[i] = Canon.Of(args[i]);
            lock (Gate) Console.WriteLine("recv\t" + op + "\t" + session + "\t" + string.Join("\t", parts));
        }

        public string EchoString(string value)
        {
            // The large message: print its length and digest, not its text.
            if (value != null && value.Length > 100000)
            {
                lock (Gate) Console.WriteLine("recv\tEchoString\t" + session + "\tlarge\t" + value.Length + "\t" + Canon.Sha256(value));
                return value;
            }
            Recv("EchoString", value);
            return value;
        }
        public int EchoInt(int value) { Recv("EchoInt", value); return value; }
        public long EchoLong(long value) { Recv("EchoLong", value); return value; }
        public bool EchoBool(bool value) { Recv("EchoBool", value); return value; }
        public float EchoFloat(float value) { Recv("EchoFloat", value); return value; }
        public double EchoDouble(double value) { Recv("EchoDouble", value); return value; }
        public decimal EchoDecimal(decimal value) { Recv("EchoDecimal", value); return value; }
        public DateTime EchoDateTime(DateTime value) { Recv("EchoDateTime", value); return value; }
        public Guid EchoGuid(Guid value) { Recv("EchoGuid", value); return value; }
        public TimeSpan EchoTimeSpan(TimeSpan value) { Recv("EchoTimeSpan", value); return value; }
        public byte[] EchoBytes(byte[] value) { Recv("EchoBytes", value); return value; }
        public int[] EchoInts(int[] value) { Recv("EchoInts", value); return value; }
        // The cast keeps C# from spreading a string[] over the params array.
        public string[] EchoStrings(string[] value) { Recv("EchoStrings", (object)value); return value; }
        public Person EchoPerson(Person value) { Recv("EchoPerson", value); return value; }
        public byte EchoByte(byte value) { Recv("EchoByte", value); return value; }
        public sbyte EchoSByte(sbyte value) { Recv("EchoSByte", value); return value; }
        public short EchoShort(short value) { Recv("EchoShort", value); return value; }
        public ushort EchoUShort(ushort value) { Recv("EchoUShort", value); return value; }
        public uint EchoUInt(uint value) { Recv("EchoUInt", value); return value; }
        public ulong EchoULong(ulong value) { Recv("EchoULong", value); return value; }
        public char EchoChar(char value) { Recv("EchoChar", value); return value; }
        public Uri EchoUri(Uri value) { Recv("EchoUri", value); return value; }
        public int? EchoNullableInt(int? value) { Recv("EchoNullableInt", value); return value; }
        public Color EchoColor(Color value) { Recv("EchoColor", value); return value; }
        public Access EchoAccess(Access value) { Recv("EchoAccess", value); return value; }
        public Dictionary<string, int> EchoDictionary(Dictionary<string, int> value) { Recv("EchoDictionary", value); return value; }
        public DateTimeOffset EchoDateTimeOffset(DateTimeOffset value) { Recv("EchoDateTimeOffset", value); return value; }

        public void Fail(string reason)
        {
            Recv("Fail", reason);
            throw new FaultException(new FaultReason(reason), FaultCode.CreateSenderFaultCode("BadInput", Names.Faults));
        }

        public void FailTyped(int code, string reason)
        {
            Recv("FailTyped", code, reason);
            throw new FaultException<MyFault>(new MyFault { Code = code, Reason = reason }, new FaultReason("typed failure"));
        }

        public int DivInt(int a, int b)
        {
            Recv("DivInt", a, b);
            return a / b; // b = 0: an unhandled DivideByZeroException, sent as the fault of last resort
        }

        public void Notify(string message)
        {
            Recv("Notify", message);
            lastNotified = message;
        }

        public string LastNotified()
        {
            Recv("LastNotified");
            return lastNotified;
        }

        public int Divide(int a, int b, out int remainder)
        {
            Recv("Divide", a, b);
            remainder = a % b; // b = 0: DivideByZeroException, the fault of last resort
            return a / b;
        }

        public void Swap(ref string x, ref string y)
        {
            Recv("Swap", x, y);
            string t = x;
            x = y;
            y = t;
        }

        public string Concat(string a, out int length, ref int counter)
        {
            Recv("Concat", a, counter);
            counter++;
            string result = a + "#" + counter;
            length = result.Length;
            return result;
        }

        public bool Older(ref Person person, int years, out double[] scores)
        {
            Recv("Older", person, years);
            scores = person == null ? null : person.Scores;
            if (person == null) return false;
            person.Age += years;
            return person.Age >= 65;
        }

        public void NotImplementedHere()
        {
            Recv("NotImplementedHere");
        }
    }

    /// <summary>
    /// Sends a plain FaultException as the SOAP fault it stands for. .NET does this by itself; Mono
    /// 6.8's dispatcher only sends typed FaultException&lt;T&gt; and turns every other exception,
    /// FaultException included, into InternalServiceFault (OperationInvokerHandler.BuildExceptionMessage).
    /// Unhandled exceptions are left alone, so they still get Mono's fault of last resort.
    /// </summary>
    public class PlainFaults : IErrorHandler, IServiceBehavior
    {
        public bool HandleError(Exception error) { return false; }

        public void ProvideFault(Exception error, MessageVersion version, ref Message fault)
        {
            var fe = error as FaultException;
            if (fe == null || fe.GetType().IsGenericType) return;
            // WS-Addressing 1.0's default fault action, as .NET's ErrorBehavior uses.
            fault = Message.CreateMessage(version, fe.CreateMessageFault(), "http://www.w3.org/2005/08/addressing/soap/fault");
        }

        public void AddBindingParameters(ServiceDescription d, ServiceHostBase h, Collection<ServiceEndpoint> e, BindingParameterCollection p) { }

        public void ApplyDispatchBehavior(ServiceDescription d, ServiceHostBase host)
        {
            foreach (ChannelDispatcherBase cdb in host.ChannelDispatchers)
            {
                var cd = cdb as ChannelDispatcher;
                if (cd != null) cd.ErrorHandlers.Add(this);
            }
        }

        public void Validate(ServiceDescription d, ServiceHostBase h) { }
    }

    /// <summary>Every endpoint takes messages whatever their To header names (MatchAllMessageFilter).</summary>
    public class AnyAddress : IServiceBehavior
    {
        public void AddBindingParameters(ServiceDescription d, ServiceHostBase h, Collection<ServiceEndpoint> e, BindingParameterCollection p) { }

        public void ApplyDispatchBehavior(ServiceDescription d, ServiceHostBase host)
        {
            foreach (ChannelDispatcherBase cdb in host.ChannelDispatchers)
            {
                var cd = cdb as ChannelDispatcher;
                if (cd == null) continue;
                foreach (EndpointDispatcher ed in cd.Endpoints) ed.AddressFilter = new MatchAllMessageFilter();
            }
        }

        public void Validate(ServiceDescription d, ServiceHostBase h) { }
    }

    public static class TestServiceHost
    {
        public static int Main(string[] args)
        {
            if (args.Length < 1)
            {
                Console.Error.WriteLine("usage: mono test-service.exe ADDRESS [MAX_MESSAGE_BYTES [LISTEN_URI]]");
                return 2;
            }
            long max = args.Length > 1 ? long.Parse(args[1]) : 65536;
            var host = new ServiceHost(typeof(TestService));
            // With LISTEN_URI the endpoint's address (what clients name, in the via and the To
            // header) is ADDRESS, and the host listens at LISTEN_URI: a service behind a portshare
            // static route, whose clients name the shared port.
            if (args.Length > 2 && args[2] != "-")
                host.AddServiceEndpoint(typeof(ITest), Bindings.Create(max), args[0], new Uri(args[2]));
            else
                host.AddServiceEndpoint(typeof(ITest), Bindings.Create(max), args[0]);
            // "any-address": accept messages whose To header names another address (the public
            // one, for a service that knows only its private address behind a rewriting route).
            // What [ServiceBehavior(AddressFilterMode = AddressFilterMode.Any)] does in .NET; Mono
            // ignores that setting (ServiceBehaviorAttribute.ApplyDispatchBehavior is a MonoTODO),
            // so the endpoints' filter is set directly, as AnyAddress below does.
            if (args.Length > 3 && args[3] == "any-address")
            {
                host.Description.Behaviors.Find<ServiceBehaviorAttribute>().AddressFilterMode = AddressFilterMode.Any;
                host.Description.Behaviors.Add(new AnyAddress());
            }
            host.Description.Behaviors.Add(new PlainFaults());
            host.Open();
            Console.WriteLine("ready");
            while (Console.ReadLine() != null) { }
            host.Close();
            return 0;
        }
    }
}
