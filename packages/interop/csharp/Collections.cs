// XmlQualifiedName values, dictionaries of enums and data contracts (item names with a namespace
// digest) and [CollectionDataContract] lists and dictionaries, across implementations. Usage:
//   Collections.exe service <address>   hosts ICollections, prints "ready", then "recv <Op> <value>" per call, until ENTER
//   Collections.exe client <address>    makes the fixed calls below, printing "<Op> <value>" per reply
// Values print in one canonical form (Describe) that packages/interop/test/collections.int.test.ts
// computes the same way, so both sides' lines compare exactly.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.Serialization;
using System.ServiceModel;
using System.Text;
using System.Xml;

namespace Portshare.Interop.Collections
{
    [DataContract(Namespace = "http://portshare.example/people")]
    public class Person
    {
        [DataMember] public string Name;
        [DataMember] public int Age;
    }

    [DataContract(Namespace = "http://portshare.example/people")]
    public enum Color { [EnumMember] Red, [EnumMember] Green, [EnumMember] Blue }

    [CollectionDataContract(Name = "Names", Namespace = "http://portshare.example/coll", ItemName = "Name")]
    public class Names : List<string> { }

    [CollectionDataContract(Name = "Scores", Namespace = "http://portshare.example/coll", ItemName = "Entry", KeyName = "Who", ValueName = "Points")]
    public class Scores : Dictionary<string, int> { }

    [CollectionDataContract(Name = "Team", Namespace = "http://portshare.example/coll", ItemName = "Member")]
    public class Team : List<Person> { }

    [DataContract(Namespace = "http://portshare.example/coll")]
    public class Holder
    {
        [DataMember] public XmlQualifiedName Q;
        [DataMember] public XmlQualifiedName E;
        [DataMember] public Dictionary<string, Person> People;
        [DataMember] public Dictionary<Color, int> Colors;
        [DataMember] public Names Names;
        [DataMember] public Scores Scores;
        [DataMember] public Team Team;
    }

    [ServiceContract(Namespace = "http://portshare.example/coll")]
    public interface ICollections
    {
        [OperationContract] XmlQualifiedName EchoQName(XmlQualifiedName q);
        [OperationContract] Dictionary<string, Person> EchoPeople(Dictionary<string, Person> people);
        [OperationContract] Dictionary<Color, int> EchoColors(Dictionary<Color, int> colors);
        [OperationContract] Names EchoNames(Names names);
        [OperationContract] Scores EchoScores(Scores scores);
        [OperationContract] Holder EchoHolder(Holder h);
    }

    public class CollectionsService : ICollections
    {
        static T Recv<T>(string op, T value)
        {
            Console.WriteLine("recv {0} {1}", op, CollectionsProgram.Describe(value));
            return value;
        }

        public XmlQualifiedName EchoQName(XmlQualifiedName q) { return Recv("EchoQName", q); }
        public Dictionary<string, Person> EchoPeople(Dictionary<string, Person> people) { return Recv("EchoPeople", people); }
        public Dictionary<Color, int> EchoColors(Dictionary<Color, int> colors) { return Recv("EchoColors", colors); }
        public Names EchoNames(Names names) { return Recv("EchoNames", names); }
        public Scores EchoScores(Scores scores) { return Recv("EchoScores", scores); }
        public Holder EchoHolder(Holder h) { return Recv("EchoHolder", h); }
    }

    public static class CollectionsProgram
    {
        /// <summary>One line per value: qualified names as {ns}name, dictionaries as {k=v,…} in order, lists as […].</summary>
        public static string Describe(object v)
        {
            if (v == null) return "null";
            var q = v as XmlQualifiedName;
            if (q != null) return "{" + q.Namespace + "}" + q.Name;
            var p = v as Person;
            if (p != null) return string.Format("Person{{Name={0},Age={1}}}", Describe(p.Name), p.Age);
            var h = v as Holder;
            if (h != null)
                return string.Format("Holder{{Q={0},E={1},People={2},Colors={3},Names={4},Scores={5},Team={6}}}", Describe(h.Q), Describe(h.E), Describe(h.People), Describe(h.Colors), Describe(h.Names), Describe(h.Scores), Describe(h.Team));
            if (v is string) return "'" + (string)v + "'";
            if (v is int) return ((int)v).ToString(CultureInfo.InvariantCulture);
            if (v is Color) return v.ToString();
            var d = v as IDictionary;
            if (d != null)
            {
                var parts = new List<string>();
                foreach (DictionaryEntry e in d) parts.Add(Describe(e.Key) + "=" + Describe(e.Value));
                return "{" + string.Join(",", parts) + "}";
            }
            var l = v as IEnumerable;
            if (l != null)
            {
                var parts = new List<string>();
                foreach (object o in l) parts.Add(Describe(o));
                return "[" + string.Join(",", parts) + "]";
            }
            return "other:" + v.GetType().FullName;
        }

        static Holder SampleHolder()
        {
            return new Holder
            {
                Q = new XmlQualifiedName("Thing", "urn:things"),
                E = new XmlQualifiedName("Local", ""),
                People = new Dictionary<string, Person> { { "ann", new Person { Name = "Ann", Age = 50 } }, { "none", null } },
                Colors = new Dictionary<Color, int> { { Color.Blue, 3 }, { Color.Red, 1 } },
                Names = new Names { "x", null, "" },
                Scores = new Scores { { "a", 1 }, { "b", -2 } },
                Team = new Team { new Person { Name = "Bo", Age = 9 }, null },
            };
        }

        static void Main(string[] args)
        {
            string address = args[1];
            var binding = Bindings.Create(1 << 20);
            if (args[0] == "service")
            {
                using (var host = new ServiceHost(typeof(CollectionsService), new Uri(address)))
                {
                    host.AddServiceEndpoint(typeof(ICollections), binding, "");
                    host.Open();
                    Console.WriteLine("ready");
                    Console.ReadLine();
                    host.Close();
                }
                return;
            }
            var factory = new ChannelFactory<ICollections>(binding, new EndpointAddress(address));
            ICollections proxy = factory.CreateChannel();
            Console.WriteLine("EchoQName {0}", Describe(proxy.EchoQName(new XmlQualifiedName("Thing", "urn:things"))));
            Console.WriteLine("EchoQName {0}", Describe(proxy.EchoQName(new XmlQualifiedName("ICollections", "http://portshare.example/coll"))));
            Console.WriteLine("EchoQName {0}", Describe(proxy.EchoQName(null)));
            Console.WriteLine("EchoPeople {0}", Describe(proxy.EchoPeople(new Dictionary<string, Person> { { "ann", new Person { Name = "Ann", Age = 50 } }, { "none", null } })));
            Console.WriteLine("EchoColors {0}", Describe(proxy.EchoColors(new Dictionary<Color, int> { { Color.Green, 2 }, { Color.Red, -1 } })));
            Console.WriteLine("EchoNames {0}", Describe(proxy.EchoNames(new Names { "x", "y" })));
            Console.WriteLine("EchoScores {0}", Describe(proxy.EchoScores(new Scores { { "a", 1 } })));
            Console.WriteLine("EchoHolder {0}", Describe(proxy.EchoHolder(SampleHolder())));
            ((IClientChannel)proxy).Close();
            factory.Close();
        }
    }
}
