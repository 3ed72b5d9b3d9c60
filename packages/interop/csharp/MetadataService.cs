// A stock WCF ServiceHost that publishes its metadata: IInventory on net.tcp (SecurityMode.None)
// and, through ServiceMetadataBehavior { HttpGetEnabled, HttpGetUrl }, its WSDL and XSD documents
// at http://127.0.0.1:PORT/meta?wsdl. The WSDL import test (test/wsdl-import.int.test.ts) runs
// `portshare-soap import` against that URL and calls every operation through the generated client.
// Usage: mono metadata-service.exe NET_TCP_ADDRESS HTTP_META_URL
// Prints "ready" once both are listening, and stops at end of standard input.
using System;
using System.Runtime.Serialization;
using System.ServiceModel;
using System.ServiceModel.Description;

namespace Portshare.Interop.Metadata
{
    // No Namespace: the contracts live in http://schemas.datacontract.org/2004/07/Portshare.Interop.Metadata,
    // the namespace XsdDataContractExporter gives a CLR namespace by default.
    [DataContract]
    public class Dimensions
    {
        [DataMember] public double Width;
        [DataMember] public double Height;
    }

    [DataContract]
    public class Tag
    {
        [DataMember] public string Label;
        [DataMember] public int Weight;
    }

    // Values that are not 0, 1, 2… make the exporter write EnumerationValue annotations.
    public enum ItemKind { Tool = 1, Part = 2, Kit = 10 }

    [DataContract]
    public class Item
    {
        [DataMember] public Guid Id;
        [DataMember] public string Name;
        [DataMember] public decimal Price;
        [DataMember] public int Quantity;
        [DataMember] public long Serial;
        [DataMember] public bool InStock;
        [DataMember] public DateTime Added;
        [DataMember] public byte[] Photo;
        [DataMember] public string[] Aliases;
        [DataMember] public Dimensions Size;
        [DataMember] public Tag[] Tags;
        [DataMember] public ItemKind Kind;
        [DataMember] public int? Rating;
    }

    [ServiceContract(Namespace = "http://schemas.portshare.dev/metadata")]
    public interface IInventory
    {
        [OperationContract] int AddInts(int a, int b);
        [OperationContract] string Concat(string a, string b);
        [OperationContract] bool Not(bool value);
        [OperationContract] double Half(double value);
        [OperationContract] long Twice(long value);
        [OperationContract] decimal AddDecimal(decimal a, decimal b);
        [OperationContract] DateTime AddDays(DateTime value, int days);
        [OperationContract] Guid EchoGuid(Guid value);
        [OperationContract] byte[] Reverse(byte[] data);
        [OperationContract] string[] Split(string text);
        [OperationContract] Item Echo(Item item);
        [OperationContract] Tag[] TagsOf(Item item);
        [OperationContract] ItemKind NextKind(ItemKind kind);
        [OperationContract] int? Increment(int? value);
        [OperationContract(IsOneWay = true)] void Notify(string message);
        [OperationContract] string LastNotified();
        [OperationContract] void Reset();
    }

    [ServiceBehavior(InstanceContextMode = InstanceContextMode.Single, ConcurrencyMode = ConcurrencyMode.Single)]
    public class InventoryService : IInventory
    {
        string lastNotified = "";

        public int AddInts(int a, int b) { return a + b; }
        public string Concat(string a, string b) { return a + b; }
        public bool Not(bool value) { return !value; }
        public double Half(double value) { return value / 2; }
        public long Twice(long value) { return value * 2; }
        public decimal AddDecimal(decimal a, decimal b) { return a + b; }
        public DateTime AddDays(DateTime value, int days) { return value.AddDays(days); }
        public Guid EchoGuid(Guid value) { return value; }

        public byte[] Reverse(byte[] data)
        {
            if (data == null) return null;
            var copy = (byte[])data.Clone();
            Array.Reverse(copy);
            return copy;
        }

        public string[] Split(string text) { return text == null ? null : text.Split(','); }
        public Item Echo(Item item) { return item; }
        public Tag[] TagsOf(Item item) { return item == null ? null : item.Tags; }

        public ItemKind NextKind(ItemKind kind)
        {
            switch (kind)
            {
                case ItemKind.Tool: return ItemKind.Part;
                case ItemKind.Part: return ItemKind.Kit;
                default: return ItemKind.Tool;
            }
        }

        public int? Increment(int? value) { return value.HasValue ? value + 1 : null; }
        public void Notify(string message) { lastNotified = message; }
        public string LastNotified() { return lastNotified; }
        public void Reset() { lastNotified = ""; }
    }

    public static class MetadataServiceHost
    {
        public static int Main(string[] args)
        {
            if (args.Length != 2)
            {
                Console.Error.WriteLine("usage: metadata-service.exe NET_TCP_ADDRESS HTTP_META_URL");
                return 2;
            }
            var host = new ServiceHost(typeof(InventoryService));
            var binding = new NetTcpBinding(SecurityMode.None);
            host.AddServiceEndpoint(typeof(IInventory), binding, new Uri(args[0]));
            var metadata = new ServiceMetadataBehavior { HttpGetEnabled = true, HttpGetUrl = new Uri(args[1]) };
            host.Description.Behaviors.Add(metadata);
            host.Open();
            Console.WriteLine("ready");
            Console.Out.Flush();
            while (Console.ReadLine() != null) { }
            host.Close();
            return 0;
        }
    }
}
