// The sample's test client ("Running the Sample" on the sample's page), line for line. One change
// for running it here: the port comes from the first argument (default 9000, the sample's), so
// tests can use a free one.
//
// The binding is the sample's `new NetTcpBinding()`. Its default security is Transport with Windows
// credentials, for which a .NET client would send an UpgradeRequest (`application/negotiate`) after
// the preamble and a service without transport security would answer UpgradeInvalid. Mono's client
// does not implement that upgrade: its preamble is Version, Mode, Via, KnownEncoding, PreambleEnd
// with no UpgradeRequest (checked on the wire), so the sample's code runs unchanged against
// portshare, which serves SecurityMode.None.
using System;
using System.ServiceModel;

namespace Microsoft.ServiceModel.Samples
{
    class Client
    {
        static void Main(string[] args)
        {
            string port = args.Length > 0 ? args[0] : "9000";
            Console.Write("Enter the service number to test: ");
            ushort salt = ushort.Parse(Console.ReadLine());
            string address = $"net.tcp://localhost:{port}/calculator/{salt}";
            ChannelFactory<ICalculator> factory = new ChannelFactory<ICalculator>(new NetTcpBinding());
            ICalculator proxy = factory.CreateChannel(new EndpointAddress(address));

            // Call the Add service operation.
            double value1 = 100.00D;
            double value2 = 15.99D;
            double result = proxy.Add(value1, value2);
            Console.WriteLine("Add({0},{1}) = {2}", value1, value2, result);

            // Call the Subtract service operation.
            value1 = 145.00D;
            value2 = 76.54D;
            result = proxy.Subtract(value1, value2);
            Console.WriteLine("Subtract({0},{1}) = {2}", value1, value2, result);

            // Call the Multiply service operation.
            value1 = 9.00D;
            value2 = 81.25D;
            result = proxy.Multiply(value1, value2);
            Console.WriteLine("Multiply({0},{1}) = {2}", value1, value2, result);

            // Call the Divide service operation.
            value1 = 22.00D;
            value2 = 7.00D;
            result = proxy.Divide(value1, value2);
            Console.WriteLine("Divide({0},{1}) = {2}", value1, value2, result);

            Console.WriteLine("Press <ENTER> to terminate client.");
            Console.ReadLine();
            ((IClientChannel)proxy).Close();
            factory.Close();
        }
    }
}
