// The sample's service ("Enabling Port Sharing" on the sample's page): an ICalculator on a fixed
// port with a random number in its path and PortSharingEnabled set. Mono has no sharing service
// and listens on the port itself, so a second copy on the same port fails. Two changes for
// running it here: the port comes from the first argument (default 9000, the sample's) and the
// binding has SecurityMode.None, as the client (see CalculatorClient.cs).
using System;
using System.ServiceModel;

namespace Microsoft.ServiceModel.Samples
{
    class Service
    {
        static void Main(string[] args)
        {
            string port = args.Length > 0 ? args[0] : "9000";
            // Configure a binding with TCP port sharing enabled
            NetTcpBinding binding = new NetTcpBinding();
            binding.PortSharingEnabled = true;
            // Start a service on a fixed TCP port
            ServiceHost host = new ServiceHost(typeof(CalculatorService));
            ushort salt = (ushort)new Random().Next();
            string address = $"net.tcp://localhost:{port}/calculator/{salt}";
            host.AddServiceEndpoint(typeof(ICalculator), binding, address);
            host.Open();
            Console.WriteLine("Service #{0} listening on {1}.", salt, address);
            Console.WriteLine("Press <ENTER> to terminate service.");
            Console.ReadLine();
            host.Close();
        }
    }
}
