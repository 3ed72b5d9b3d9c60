// [DataContract(IsReference = true)] object graphs across implementations: a Node that refers to
// other Nodes, sent as a shared child, a cycle a->b->a and the same object twice in an array.
// DataContractSerializer writes the first occurrence with z:Id and later ones as z:Ref
// (XmlObjectSerializerWriteContext.cs OnHandleIsReference). Usage:
//   References.exe service <address>   hosts IReferences, prints "ready", then "recv <graph> <checks>" per call, until ENTER
//   References.exe client <address>    makes the fixed calls below, printing "Echo <graph> <checks>" per reply
// Graphs print in one canonical form (Describe: "#k" on an object's first visit, "^k" on later
// ones) that packages/interop/test/references.int.test.ts computes the same way, so identity
// shows in the lines, and Checks prints the ReferenceEquals tests for each graph.
using System;
using System.Collections.Generic;
using System.Runtime.Serialization;
using System.ServiceModel;

namespace Portshare.Interop.References
{
    [DataContract(IsReference = true, Namespace = "http://portshare.example/refs")]
    public class Node
    {
        [DataMember] public string Name;
        [DataMember] public Node Next;
        [DataMember] public Node[] Children;
    }

    // Collection contracts with IsReference: the collection element itself carries z:Id / z:Ref.
    [CollectionDataContract(IsReference = true, Namespace = "http://portshare.example/refs", ItemName = "Node")]
    public class NodeList : List<Node> { }

    [CollectionDataContract(IsReference = true, Namespace = "http://portshare.example/refs", ItemName = "Entry")]
    public class Tags : Dictionary<string, int> { }

    [DataContract(Namespace = "http://portshare.example/refs")]
    public class Group
    {
        [DataMember] public NodeList First;
        [DataMember] public NodeList Second;
        [DataMember] public Tags Tags;
        [DataMember] public Tags SameTags;
    }

    [ServiceContract(Namespace = "http://portshare.example/refs")]
    public interface IReferences
    {
        [OperationContract] Node Echo(Node n);
        [OperationContract] Group EchoGroup(Group g);
    }

    public class ReferencesService : IReferences
    {
        public Node Echo(Node n)
        {
            Console.WriteLine("recv {0} {1}", ReferencesProgram.Describe(n), ReferencesProgram.Checks(n));
            return n;
        }

        public Group EchoGroup(Group g)
        {
            Console.WriteLine("recv {0}", ReferencesProgram.DescribeGroup(g));
            return g;
        }
    }

    public static class ReferencesProgram
    {
        /// <summary>The graph with identity: "#k Name{...}" the first time an object is met, "^k" after.</summary>
        public static string Describe(Node n)
        {
            return Describe(n, new Dictionary<Node, int>(new IdentityComparer()));
        }

        static string Describe(Node n, Dictionary<Node, int> seen)
        {
            if (n == null) return "null";
            int k;
            if (seen.TryGetValue(n, out k)) return "^" + k;
            k = seen.Count + 1;
            seen.Add(n, k);
            string next = Describe(n.Next, seen);
            string children = n.Children == null ? "null" : "[" + string.Join(",", Array.ConvertAll(n.Children, c => Describe(c, seen))) + "]";
            return string.Format("#{0} {1}{{Next={2},Children={3}}}", k, n.Name ?? "null", next, children);
        }

        sealed class IdentityComparer : IEqualityComparer<Node>
        {
            public bool Equals(Node a, Node b) { return ReferenceEquals(a, b); }
            public int GetHashCode(Node n) { return System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(n); }
        }

        /// <summary>The identities each graph must keep, as ReferenceEquals results.</summary>
        public static string Checks(Node n)
        {
            switch (n.Name)
            {
                case "shared": return "sharedChild=" + ReferenceEquals(n.Children[0].Next, n.Children[1].Next);
                case "a": return "cycle=" + ReferenceEquals(n.Next.Next, n);
                case "twice": return "twice=" + ReferenceEquals(n.Children[0], n.Children[1]) + " distinct=" + !ReferenceEquals(n.Children[0], n.Children[2]);
                default: return "unknown";
            }
        }

        /// <summary>A Group's identities: the lists and dictionaries sent once and referred to, and their content.</summary>
        public static string DescribeGroup(Group g)
        {
            return string.Format(
                "group sameList={0} sameItem={1} sameTags={2} items={3} tags={4}",
                ReferenceEquals(g.First, g.Second), ReferenceEquals(g.First[0], g.First[1]), ReferenceEquals(g.Tags, g.SameTags),
                string.Join(",", g.First.ConvertAll(n => n.Name)), string.Join(",", new List<string>(g.Tags.Keys).ConvertAll(k => k + "=" + g.Tags[k])));
        }

        static Group SharedGroup()
        {
            var d = new Node { Name = "d" };
            var list = new NodeList { d, d };
            var tags = new Tags { { "x", 1 } };
            return new Group { First = list, Second = list, Tags = tags, SameTags = tags };
        }

        static Node Shared()
        {
            var c = new Node { Name = "c" };
            return new Node { Name = "shared", Children = new[] { new Node { Name = "x", Next = c }, new Node { Name = "y", Next = c } } };
        }

        static Node Cycle()
        {
            var a = new Node { Name = "a" };
            a.Next = new Node { Name = "b", Next = a };
            return a;
        }

        static Node Twice()
        {
            var d = new Node { Name = "d" };
            return new Node { Name = "twice", Children = new[] { d, d, new Node { Name = "e" } } };
        }

        static void Main(string[] args)
        {
            string address = args[1];
            var binding = Bindings.Create(1 << 20);
            if (args[0] == "service")
            {
                using (var host = new ServiceHost(typeof(ReferencesService), new Uri(address)))
                {
                    host.AddServiceEndpoint(typeof(IReferences), binding, "");
                    host.Open();
                    Console.WriteLine("ready");
                    Console.ReadLine();
                    host.Close();
                }
                return;
            }
            var factory = new ChannelFactory<IReferences>(binding, new EndpointAddress(address));
            IReferences proxy = factory.CreateChannel();
            foreach (var n in new[] { Shared(), Cycle(), Twice() })
            {
                Node back = proxy.Echo(n);
                Console.WriteLine("Echo {0} {1}", Describe(back), Checks(back));
            }
            Console.WriteLine("EchoGroup {0}", DescribeGroup(proxy.EchoGroup(SharedGroup())));
            ((IClientChannel)proxy).Close();
            factory.Close();
        }
    }
}
