// Message contracts ([MessageContract]) across implementations: TransferResponse Transfer(TransferRequest)
// with [MessageHeader]s (one renamed into another namespace) and [MessageBodyMember]s of several
// kinds (string, decimal, int[], a data contract; Order given to some), and a reply with its own
// WrapperName and WrapperNamespace; and PingReply Ping(PingRequest) with unwrapped contracts
// (IsWrapped = false: the one body member is the Body's child). Usage:
//   MessageContracts.exe service <address>   hosts IBank, prints "ready", then "recv Transfer <request>" per call, until ENTER
//   MessageContracts.exe client <address>    makes the fixed calls below, printing "Transfer <reply>" or "Ping <reply>" per reply
// Values print in one canonical form (Describe) that packages/interop/test/message-contract.int.test.ts
// computes the same way, so both sides' lines compare exactly.
using System;
using System.Globalization;
using System.Runtime.Serialization;
using System.ServiceModel;

namespace Portshare.Interop.MessageContracts
{
    [DataContract(Namespace = "http://portshare.example/parties")]
    public class Party
    {
        [DataMember] public string Name;
        [DataMember] public int Account;
    }

    [MessageContract]
    public class TransferRequest
    {
        [MessageHeader] public Guid Id;
        [MessageHeader(Name = "TenantName", Namespace = "http://portshare.example/headers")] public string Tenant;
        [MessageBodyMember] public string Note;
        [MessageBodyMember(Order = 2)] public decimal Amount;
        [MessageBodyMember(Order = 1)] public int[] Slots;
        [MessageBodyMember] public Party From;
    }

    [MessageContract(WrapperName = "TransferResult", WrapperNamespace = "http://portshare.example/results")]
    public class TransferResponse
    {
        [MessageHeader] public long Receipt;
        [MessageBodyMember] public bool Accepted;
        [MessageBodyMember] public decimal Balance;
        [MessageBodyMember] public string Summary;
    }

    [MessageContract(IsWrapped = false)]
    public class PingRequest
    {
        [MessageHeader] public int Seq;
        [MessageBodyMember] public string Text;
    }

    [MessageContract(IsWrapped = false)]
    public class PingReply
    {
        [MessageHeader(Namespace = "http://portshare.example/headers")] public long Echoed;
        [MessageBodyMember] public Party Who;
    }

    [ServiceContract(Namespace = "http://portshare.example/bank")]
    public interface IBank
    {
        [OperationContract] TransferResponse Transfer(TransferRequest request);
        [OperationContract] PingReply Ping(PingRequest request);
    }

    public class BankService : IBank
    {
        public TransferResponse Transfer(TransferRequest request)
        {
            Console.WriteLine("recv Transfer {0}", MessageContractsProgram.Describe(request));
            return MessageContractsProgram.Answer(request);
        }

        public PingReply Ping(PingRequest request)
        {
            Console.WriteLine("recv Ping {0}", MessageContractsProgram.Describe(request));
            return MessageContractsProgram.Answer(request);
        }
    }

    public static class MessageContractsProgram
    {
        /// <summary>The reply both services give: every request value shows in it.</summary>
        public static TransferResponse Answer(TransferRequest r)
        {
            return new TransferResponse
            {
                Receipt = 9007199254740993L + (r.Slots == null ? -1 : r.Slots.Length),
                Accepted = r.Note != null,
                Balance = -r.Amount,
                Summary = (r.From == null ? "nobody" : r.From.Name) + "|" + r.Id.ToString("D") + "|" + (r.Tenant ?? "none"),
            };
        }

        /// <summary>The reply both services give to a ping.</summary>
        public static PingReply Answer(PingRequest r)
        {
            return new PingReply { Echoed = 2L * r.Seq, Who = r.Text == null ? null : new Party { Name = r.Text + "!", Account = -r.Seq } };
        }

        public static string Describe(PingRequest r)
        {
            return string.Format("PingRequest{{Seq={0},Text={1}}}", r.Seq.ToString(CultureInfo.InvariantCulture), Text(r.Text));
        }

        public static string Describe(PingReply r)
        {
            return string.Format("PingReply{{Echoed={0},Who={1}}}", r.Echoed.ToString(CultureInfo.InvariantCulture), Describe(r.Who));
        }

        public static string Describe(TransferRequest r)
        {
            return string.Format("TransferRequest{{Id={0},Tenant={1},Note={2},Amount={3},Slots={4},From={5}}}",
                r.Id.ToString("D"), Text(r.Tenant), Text(r.Note), r.Amount.ToString(CultureInfo.InvariantCulture), Ints(r.Slots), Describe(r.From));
        }

        public static string Describe(TransferResponse r)
        {
            return string.Format("TransferResponse{{Receipt={0},Accepted={1},Balance={2},Summary={3}}}",
                r.Receipt.ToString(CultureInfo.InvariantCulture), r.Accepted ? "true" : "false", r.Balance.ToString(CultureInfo.InvariantCulture), Text(r.Summary));
        }

        static string Describe(Party p)
        {
            return p == null ? "null" : string.Format("Party{{Name={0},Account={1}}}", Text(p.Name), p.Account.ToString(CultureInfo.InvariantCulture));
        }

        static string Ints(int[] a)
        {
            return a == null ? "null" : "[" + string.Join(",", Array.ConvertAll(a, i => i.ToString(CultureInfo.InvariantCulture))) + "]";
        }

        // Non-ASCII as \uXXXX: the console's encoding must not decide what the test compares.
        static string Text(string s)
        {
            if (s == null) return "null";
            var sb = new System.Text.StringBuilder("'");
            foreach (char c in s) sb.Append(c < 128 ? c.ToString() : "\\u" + ((int)c).ToString("x4"));
            return sb.Append("'").ToString();
        }

        static void Main(string[] args)
        {
            string address = args[1];
            var binding = Bindings.Create(1 << 20);
            if (args[0] == "service")
            {
                using (var host = new ServiceHost(typeof(BankService), new Uri(address)))
                {
                    host.AddServiceEndpoint(typeof(IBank), binding, "");
                    host.Open();
                    Console.WriteLine("ready");
                    Console.ReadLine();
                    host.Close();
                }
                return;
            }
            var factory = new ChannelFactory<IBank>(binding, new EndpointAddress(address));
            IBank proxy = factory.CreateChannel();
            var full = new TransferRequest
            {
                Id = new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"),
                Tenant = "acme \u2713",
                Note = "rent",
                Amount = 1234.50m,
                Slots = new[] { 1, -2, int.MaxValue },
                From = new Party { Name = "Ann", Account = 42 },
            };
            var sparse = new TransferRequest { Id = new Guid("00000000-0000-0000-0000-000000000001"), Amount = -0.001m };
            foreach (var r in new[] { full, sparse })
            {
                Console.WriteLine("sent Transfer {0}", Describe(r));
                Console.WriteLine("Transfer {0}", Describe(proxy.Transfer(r)));
            }
            foreach (var r in new[] { new PingRequest { Seq = 21, Text = "hi \u2713" }, new PingRequest { Seq = -1 } })
            {
                Console.WriteLine("sent Ping {0}", Describe(r));
                Console.WriteLine("Ping {0}", Describe(proxy.Ping(r)));
            }
            ((IClientChannel)proxy).Close();
            factory.Close();
        }
    }
}
