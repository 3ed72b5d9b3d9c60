// Data contract inheritance with known types, and object members, across implementations: a
// [KnownType] base (Person) holding a derived contract (Manager) in another namespace, and a Box
// with an object member and a [KnownType] (Point) it may hold. Usage:
//   KnownTypes.exe service <address>   hosts IKnown, prints "ready", then "recv <Op> <value>" per call, until ENTER
//   KnownTypes.exe client <address>    makes the fixed calls below, printing "<Op> <value>" per reply
// Values print in one canonical form (Describe) that packages/interop/test/known-types.int.test.ts
// computes the same way, so both sides' lines compare exactly.
using System;
using System.Globalization;
using System.Runtime.Serialization;
using System.ServiceModel;

namespace Portshare.Interop.KnownTypes
{
    [DataContract(Namespace = "http://portshare.example/people")]
    [KnownType(typeof(Manager))]
    public class Person
    {
        [DataMember] public string Name;
        [DataMember] public int Age;
    }

    [DataContract(Namespace = "http://portshare.example/staff")]
    public class Manager : Person
    {
        [DataMember] public int Reports;
        [DataMember] public Person Deputy;
    }

    [DataContract(Namespace = "http://portshare.example/people")]
    public class Point
    {
        [DataMember] public int X;
        [DataMember] public int Y;
    }

    [DataContract(Namespace = "http://portshare.example/known")]
    [KnownType(typeof(Point))]
    public class Box
    {
        [DataMember] public object Value;
        [DataMember] public Person Owner;
    }

    // Mono's DataContractSerializer ignores [ServiceKnownType] (on the interface and on operations:
    // "Type ... Point ... is not expected"), so Point is known through Box's [KnownType] here.
    [ServiceContract(Namespace = "http://portshare.example/known")]
    public interface IKnown
    {
        [OperationContract] Person EchoPerson(Person p);
        [OperationContract] object EchoObject(object o);
        [OperationContract] Box EchoBox(Box b);
        [OperationContract] Person[] EchoPeople(Person[] people);
    }

    public class KnownService : IKnown
    {
        static object Recv(string op, object value)
        {
            Console.WriteLine("recv {0} {1}", op, KnownTypesProgram.Describe(value));
            return value;
        }

        public Person EchoPerson(Person p) { return (Person)Recv("EchoPerson", p); }
        public object EchoObject(object o) { return Recv("EchoObject", o); }
        public Box EchoBox(Box b) { return (Box)Recv("EchoBox", b); }
        public Person[] EchoPeople(Person[] people) { return (Person[])Recv("EchoPeople", people); }
    }

    public static class KnownTypesProgram
    {
        /// <summary>One line per value: the runtime type and every member, nested values in braces.</summary>
        public static string Describe(object v)
        {
            if (v == null) return "null";
            var manager = v as Manager;
            if (manager != null)
                return string.Format("Manager{{Name={0},Age={1},Reports={2},Deputy={3}}}", Describe(manager.Name), manager.Age, manager.Reports, Describe(manager.Deputy));
            var person = v as Person;
            if (person != null) return string.Format("Person{{Name={0},Age={1}}}", Describe(person.Name), person.Age);
            var point = v as Point;
            if (point != null) return string.Format("Point{{X={0},Y={1}}}", point.X, point.Y);
            var box = v as Box;
            if (box != null) return string.Format("Box{{Value={0},Owner={1}}}", Describe(box.Value), Describe(box.Owner));
            var people = v as Person[];
            if (people != null) return "[" + string.Join(",", Array.ConvertAll(people, p => Describe(p))) + "]";
            if (v is string) return "string:" + Escape((string)v);
            if (v is int) return "int:" + ((int)v).ToString(CultureInfo.InvariantCulture);
            if (v is double) return "double:" + ((double)v).ToString("R", CultureInfo.InvariantCulture);
            if (v is bool) return "bool:" + ((bool)v ? "true" : "false");
            return "other:" + v.GetType().FullName;
        }

        // Non-ASCII as \uXXXX: the console's encoding must not decide what the test compares.
        static string Escape(string s)
        {
            var sb = new System.Text.StringBuilder();
            foreach (char c in s) sb.Append(c < 128 ? c.ToString() : "\\u" + ((int)c).ToString("x4"));
            return sb.ToString();
        }

        static Manager Ann()
        {
            return new Manager { Name = "Ann", Age = 50, Reports = 3, Deputy = new Manager { Name = "Bob", Age = 40, Reports = 1, Deputy = new Person { Name = "Cy", Age = 30 } } };
        }

        static void Main(string[] args)
        {
            string address = args[1];
            var binding = Bindings.Create(1 << 20);
            if (args[0] == "service")
            {
                using (var host = new ServiceHost(typeof(KnownService), new Uri(address)))
                {
                    host.AddServiceEndpoint(typeof(IKnown), binding, "");
                    host.Open();
                    Console.WriteLine("ready");
                    Console.ReadLine();
                    host.Close();
                }
                return;
            }
            var factory = new ChannelFactory<IKnown>(binding, new EndpointAddress(address));
            IKnown proxy = factory.CreateChannel();
            Console.WriteLine("EchoPerson {0}", Describe(proxy.EchoPerson(Ann())));
            Console.WriteLine("EchoPerson {0}", Describe(proxy.EchoPerson(new Person { Name = "Pat", Age = 7 })));
            Console.WriteLine("EchoObject {0}", Describe(proxy.EchoObject(42)));
            Console.WriteLine("EchoObject {0}", Describe(proxy.EchoObject("forty-two ✓")));
            Console.WriteLine("EchoObject {0}", Describe(proxy.EchoObject(2.5)));
            Console.WriteLine("EchoObject {0}", Describe(proxy.EchoObject(true)));
            Console.WriteLine("EchoBox {0}", Describe(proxy.EchoBox(new Box { Value = 7, Owner = Ann() })));
            Console.WriteLine("EchoBox {0}", Describe(proxy.EchoBox(new Box { Value = new Point { X = 1, Y = 2 }, Owner = null })));
            Console.WriteLine("EchoPeople {0}", Describe(proxy.EchoPeople(new Person[] { new Person { Name = "P", Age = 1 }, Ann(), null })));
            ((IClientChannel)proxy).Close();
            factory.Close();
        }
    }
}
