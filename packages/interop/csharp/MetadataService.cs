// A stock WCF ServiceHost that publishes its metadata: IInventory on net.tcp (SecurityMode.None)
// and, through ServiceMetadataBehavior { HttpGetEnabled, HttpGetUrl }, its WSDL and XSD documents
// at http://127.0.0.1:PORT/meta?wsdl. The WSDL import test (test/wsdl-import.int.test.ts) runs
// `portshare-soap import` against that URL and calls every operation through the generated client.
// With MEX_TCP_ADDRESS (and MEX_HTTP_ADDRESS) it also publishes the same metadata over
// WS-MetadataExchange: IMetadataExchange on MetadataExchangeBindings.CreateMexTcpBinding() (and
// CreateMexHttpBinding()), which `portshare-soap import net.tcp://…/mex` (and `--mex http://…`) read.
// Usage: mono metadata-service.exe NET_TCP_ADDRESS HTTP_META_URL [MEX_TCP_ADDRESS [MEX_HTTP_ADDRESS]]
// Prints "ready" once all are listening, and stops at end of standard input.
// Or:    mono metadata-service.exe client NET_TCP_ADDRESS
// calls every operation of IInventory at that address (a TypeScript service implementing the
// generated contract) and prints one line per result, in the invariant culture, for the test to compare.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.Serialization;
using System.Xml;
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

    // A base with [KnownType]: a Tool parameter may carry a PowerTool (xs:complexContent/xs:extension
    // in the schema, i:type on the wire).
    [DataContract]
    [KnownType(typeof(PowerTool))]
    public class Tool
    {
        [DataMember] public string Name;
    }

    [DataContract]
    public class PowerTool : Tool
    {
        [DataMember] public int Watts;
    }

    // ItemName other than the item type's name: a complexType whose only element is not ArrayOfX's.
    [CollectionDataContract(ItemName = "Bin")]
    public class Bins : List<string> { }

    // object (xs:anyType), XmlQualifiedName (xs:QName), a collection contract, a dictionary of data
    // contracts and a DateTimeOffset as members.
    [DataContract]
    public class Shelf
    {
        [DataMember] public object Anything;
        [DataMember] public XmlQualifiedName Code;
        [DataMember] public Bins Bins;
        [DataMember] public Dictionary<string, Tag> TagsByName;
        [DataMember] public DateTimeOffset Stamped;
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
        [OperationContract] string Describe(Tool tool);
        [OperationContract] Tool Upgrade(Tool tool);
        [OperationContract] Shelf EchoShelf(Shelf shelf);
        [OperationContract] object EchoObject(object value);
        [OperationContract] DateTimeOffset ShiftHours(DateTimeOffset value, int hours);
        // No out or ref parameters here: Mono's exporter leaves them out of the OpResponse wrapper
        // (DivideResponse has only DivideResult), so the metadata would describe another operation
        // than the one served. The importer's out/ref mapping is tested offline (wsdl-import.test.ts).
        // No [MessageContract] operations either: Mono's WsdlExporter.cs (ExportContractInternal,
        // CreateInputBinding) writes every message as the wrapped {Op}/{Op}Response element of
        // DataContractSerializer operations, with the body members only, an empty reply and no
        // soap:header bindings. The importer reads message contracts as .NET's
        // MessageContractExporter.cs writes them; fixtures/wsdl-import/message-contracts/ holds such
        // metadata for MessageContracts.cs's IBank, and test/wsdl-import.int.test.ts calls Mono's
        // IBank with the module generated from it.
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

        public string Describe(Tool tool)
        {
            if (tool == null) return "null";
            var power = tool as PowerTool;
            return power != null ? "PowerTool:" + power.Name + ":" + power.Watts : "Tool:" + tool.Name;
        }

        public Tool Upgrade(Tool tool)
        {
            if (tool == null || tool is PowerTool) return tool;
            return new PowerTool { Name = tool.Name + "+", Watts = 500 };
        }

        public Shelf EchoShelf(Shelf shelf) { return shelf; }
        public object EchoObject(object value) { return value; }
        public DateTimeOffset ShiftHours(DateTimeOffset value, int hours) { return value.AddHours(hours); }
    }

    public static class InventoryClient
    {
        static string Escape(string s)
        {
            if (s == null) return "null";
            return string.Concat(s.Select(c => c < 128 ? c.ToString() : "\\u" + ((int)c).ToString("x4")));
        }

        static string Strings(string[] a) { return a == null ? "null" : "[" + string.Join("|", a.Select(Escape)) + "]"; }
        static string Bytes(byte[] a) { return a == null ? "null" : "[" + string.Join(",", a.Select(b => b.ToString(CultureInfo.InvariantCulture))) + "]"; }
        static string Describe(Tag t) { return t == null ? "null" : "Tag{" + Escape(t.Label) + "," + t.Weight.ToString(CultureInfo.InvariantCulture) + "}"; }
        static string Describe(Tag[] a) { return a == null ? "null" : "[" + string.Join(",", a.Select(Describe)) + "]"; }
        static string Describe(DateTimeOffset d) { return d.ToString("o", CultureInfo.InvariantCulture); }

        static string Describe(Item i)
        {
            if (i == null) return "null";
            return string.Format(CultureInfo.InvariantCulture, "Item{{{0},{1},{2},{3},{4},{5},{6},{7},{8},{9},{10},{11},{12}}}",
                i.Id, Escape(i.Name), i.Price, i.Quantity, i.Serial, i.InStock, i.Added.ToString("o", CultureInfo.InvariantCulture),
                Bytes(i.Photo), Strings(i.Aliases), i.Size == null ? "null" : string.Format(CultureInfo.InvariantCulture, "{0}x{1}", i.Size.Width, i.Size.Height),
                Describe(i.Tags), i.Kind, i.Rating.HasValue ? i.Rating.Value.ToString(CultureInfo.InvariantCulture) : "null");
        }

        static string Describe(Tool t)
        {
            if (t == null) return "null";
            var p = t as PowerTool;
            return p != null ? "PowerTool{" + Escape(p.Name) + "," + p.Watts.ToString(CultureInfo.InvariantCulture) + "}" : "Tool{" + Escape(t.Name) + "}";
        }

        static string DescribeObject(object o)
        {
            if (o == null) return "null";
            var f = o as IFormattable;
            return o.GetType().FullName + ":" + (f != null ? f.ToString(null, CultureInfo.InvariantCulture) : Escape(o.ToString()));
        }

        static string Describe(Shelf s)
        {
            if (s == null) return "null";
            var tags = s.TagsByName == null ? "null" : "{" + string.Join(",", s.TagsByName.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + Describe(kv.Value))) + "}";
            return "Shelf{" + DescribeObject(s.Anything) + "," + (s.Code == null ? "null" : "{" + s.Code.Namespace + "}" + s.Code.Name) + "," +
                (s.Bins == null ? "null" : Strings(s.Bins.ToArray())) + "," + tags + "," + Describe(s.Stamped) + "}";
        }

        public static int Run(string address)
        {
            var factory = new ChannelFactory<IInventory>(new NetTcpBinding(SecurityMode.None), new EndpointAddress(address));
            IInventory p = factory.CreateChannel();
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine("AddInts {0}", p.AddInts(40, 2));
            Console.WriteLine("Concat {0}", Escape(p.Concat("ab", "\u00fc \u2713")));
            Console.WriteLine("Not {0}", p.Not(true));
            Console.WriteLine("Half {0}", p.Half(5).ToString("R", inv));
            Console.WriteLine("Twice {0}", p.Twice(4611686018427387903L));
            Console.WriteLine("AddDecimal {0}", p.AddDecimal(1.10m, 2.205m).ToString(inv));
            Console.WriteLine("AddDays {0}", p.AddDays(new DateTime(2024, 2, 28, 10, 30, 0, DateTimeKind.Utc), 2).ToString("o", inv));
            Console.WriteLine("EchoGuid {0}", p.EchoGuid(new Guid("0f8fad5b-d9cb-469f-a165-70867728950e")));
            Console.WriteLine("Reverse {0}", Bytes(p.Reverse(new byte[] { 1, 2, 3, 255 })));
            Console.WriteLine("Split {0}", Strings(p.Split("a,b,,c")));
            var item = new Item
            {
                Id = new Guid("6b29fc40-ca47-1067-b31d-00dd010662da"), Name = "Wrench \u2713", Price = 12.50m, Quantity = 7,
                Serial = -9007199254740993L, InStock = true, Added = new DateTime(2023, 12, 31, 23, 59, 59, DateTimeKind.Utc),
                Photo = new byte[] { 0, 1, 2 }, Aliases = new[] { "spanner", null, "" }, Size = new Dimensions { Width = 20, Height = 0.5 },
                Tags = new[] { new Tag { Label = "metal", Weight = 3 }, new Tag { Label = null, Weight = -1 } }, Kind = ItemKind.Kit, Rating = 4,
            };
            Console.WriteLine("Echo {0}", Describe(p.Echo(item)));
            Console.WriteLine("TagsOf {0}", Describe(p.TagsOf(item)));
            Console.WriteLine("NextKind {0}", p.NextKind(ItemKind.Part));
            Console.WriteLine("Increment {0}", p.Increment(41));
            p.Notify("hello");
            Console.WriteLine("LastNotified {0}", p.LastNotified());
            p.Reset();
            Console.WriteLine("LastNotified [{0}]", p.LastNotified());
            Console.WriteLine("Describe {0}", p.Describe(new PowerTool { Name = "drill", Watts = 750 }));
            Console.WriteLine("Describe {0}", p.Describe(new Tool { Name = "saw" }));
            Console.WriteLine("Upgrade {0}", Describe(p.Upgrade(new Tool { Name = "saw" })));
            var shelf = new Shelf
            {
                Anything = 5, Code = new System.Xml.XmlQualifiedName("Widget", "urn:codes"), Bins = new Bins { "a1", null, "b" },
                TagsByName = new Dictionary<string, Tag> { { "heavy", new Tag { Label = "heavy", Weight = 9 } }, { "none", null } },
                Stamped = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.FromHours(2)),
            };
            Console.WriteLine("EchoShelf {0}", Describe(p.EchoShelf(shelf)));
            Console.WriteLine("EchoObject {0}", DescribeObject(p.EchoObject(2.5)));
            Console.WriteLine("EchoObject {0}", DescribeObject(p.EchoObject("text")));
            Console.WriteLine("ShiftHours {0}", Describe(p.ShiftHours(new DateTimeOffset(2024, 5, 1, 18, 0, 0, TimeSpan.FromHours(-5)), 3)));
            ((IClientChannel)p).Close();
            factory.Close();
            return 0;
        }
    }

    public static class MetadataServiceHost
    {
        public static int Main(string[] args)
        {
            if (args.Length == 2 && args[0] == "client") return InventoryClient.Run(args[1]);
            if (args.Length < 2 || args.Length > 4)
            {
                Console.Error.WriteLine("usage: metadata-service.exe NET_TCP_ADDRESS HTTP_META_URL [MEX_TCP_ADDRESS [MEX_HTTP_ADDRESS]]");
                return 2;
            }
            var host = new ServiceHost(typeof(InventoryService));
            var binding = new NetTcpBinding(SecurityMode.None);
            host.AddServiceEndpoint(typeof(IInventory), binding, new Uri(args[0]));
            var metadata = new ServiceMetadataBehavior { HttpGetEnabled = true, HttpGetUrl = new Uri(args[1]) };
            host.Description.Behaviors.Add(metadata);
            if (args.Length > 2)
            {
                // Mono 6.8 opens one TcpListener per binding, so the MEX endpoint needs a port of its
                // own (on the service's port, Open fails with "Address already in use").
                host.AddServiceEndpoint(typeof(IMetadataExchange), MetadataExchangeBindings.CreateMexTcpBinding(), new Uri(args[2]));
                if (args.Length > 3) host.AddServiceEndpoint(typeof(IMetadataExchange), MetadataExchangeBindings.CreateMexHttpBinding(), new Uri(args[3]));
                // Mono's IMetadataExchange.Get answers with behavior.MetadataExporter.GetGeneratedMetadata()
                // (MexInstanceContextProvider.cs), but nothing exports the endpoints into that exporter,
                // so the reply would be an empty wsx:Metadata. Export them as ServiceMetadataExtension.cs
                // does for ?wsdl (a WsdlExporter, ExportEndpoints with the service's name): the same documents.
                var exporter = new WsdlExporter();
                var endpoints = host.Description.Endpoints.Where(e => e.Contract.ContractType != typeof(IMetadataExchange)).ToList();
                exporter.ExportEndpoints(endpoints, new XmlQualifiedName(host.Description.Name, host.Description.Namespace));
                metadata.MetadataExporter = exporter;
            }
            host.Open();
            Console.WriteLine("ready");
            Console.Out.Flush();
            while (Console.ReadLine() != null) { }
            host.Close();
            return 0;
        }
    }
}
